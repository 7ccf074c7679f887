// Active learning for the labeling queue: ask people about the comparisons the Bradley–Terry ensemble disagrees on
// most. For a pair (a, b) each member k gives P_k(a ≻ b) = σ(r_k(a) − r_k(b)); the disagreement is the standard
// deviation of P_k over members — query-by-committee (Seung et al. 1992) with a bootstrap ensemble as the committee,
// the uncertainty that reward-model ensembles estimate (Coste et al., arXiv 2310.02743). A best-of-4 set scores the
// mean disagreement over its six pairs.
import * as torch from '../torch/index.js';
import { imagesToTensor } from '../data/image-tensor.js';
import type { RGBImage } from '../data/image.js';
import type { RewardEnsemble } from '../rewards/preference/ensemble.js';

/** Member scores [K][N] of images with their prompts, in batches of `batch`. */
export function memberScores(ensemble: RewardEnsemble, images: readonly RGBImage[], prompts: readonly string[], batch = 128): Float32Array[] {
  const K = ensemble.members.length;
  const out = Array.from({ length: K }, () => new Float32Array(images.length));
  for (let s = 0; s < images.length; s += batch) {
    const e = Math.min(images.length, s + batch);
    torch.scope(() =>
      torch.noGrad(() => {
        const x = imagesToTensor(images.slice(s, e));
        const scores = ensemble.memberScores(x, prompts.slice(s, e).map((text) => ({ text }))).toTypedArray() as Float32Array;
        for (let k = 0; k < K; k++) out[k]!.set(scores.subarray(k * (e - s), (k + 1) * (e - s)), s);
      }),
    );
  }
  return out;
}

/** Member penultimate representations [K] of row-major [items, hidden] (RewardEnsemble.memberPenultimate), in batches. */
export function memberFeatures(ensemble: RewardEnsemble, images: readonly RGBImage[], prompts: readonly string[], batch = 128): { features: Float32Array[]; hidden: number } {
  const K = ensemble.members.length;
  const hidden = ensemble.members[0]!.net.config.hidden;
  const features = Array.from({ length: K }, () => new Float32Array(images.length * hidden));
  for (let s = 0; s < images.length; s += batch) {
    const e = Math.min(images.length, s + batch);
    torch.scope(() =>
      torch.noGrad(() => {
        const h = ensemble.memberPenultimate(imagesToTensor(images.slice(s, e)), prompts.slice(s, e).map((text) => ({ text }))).toTypedArray() as Float32Array;
        const rows = (e - s) * hidden;
        for (let k = 0; k < K; k++) features[k]!.set(h.subarray(k * rows, (k + 1) * rows), s * hidden);
      }),
    );
  }
  return { features, hidden };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Standard deviation over members of σ(r_k(a) − r_k(b)) for item indices a, b into `scores[k]`. */
export function pairDisagreement(scores: readonly Float32Array[], a: number, b: number): number {
  const p = scores.map((s) => sigmoid(s[a]! - s[b]!));
  const mean = p.reduce((x, y) => x + y, 0) / p.length;
  return Math.sqrt(p.reduce((x, y) => x + (y - mean) ** 2, 0) / p.length);
}

/** Binary entropy in nats, H(p) = −p·log p − (1 − p)·log(1 − p), with 0·log 0 = 0. */
export function binaryEntropy(p: number): number {
  const h = (q: number): number => (q > 0 ? -q * Math.log(q) : 0);
  return h(p) + h(1 - p);
}

/**
 * BALD for a Bradley–Terry committee (Houlsby et al., arXiv 1112.5745; Gal et al., arXiv 1703.02910): the mutual
 * information between the label of (a, b) and the model, estimated with the members as posterior samples,
 *   I = H[p̄] − (1/K)·Σ_k H[p_k],   p_k = σ(r_k(a) − r_k(b)),  p̄ = (1/K)·Σ_k p_k.
 * Unlike the entropy H[p̄] alone, it is ~0 on pairs every member finds a coin flip (label noise, an unlearnable
 * kind): it asks where the members disagree confidently, which a label can settle.
 */
export function pairMutualInformation(scores: readonly Float32Array[], a: number, b: number): number {
  const p = scores.map((s) => sigmoid(s[a]! - s[b]!));
  const mean = p.reduce((x, y) => x + y, 0) / p.length;
  return Math.max(0, binaryEntropy(mean) - p.reduce((x, q) => x + binaryEntropy(q), 0) / p.length);
}

/** How much the committee wants a pair's label: `std` (pairDisagreement) or `bald` (pairMutualInformation). */
export type Informativeness = 'std' | 'bald';

const PAIR_SCORE: Readonly<Record<Informativeness, (scores: readonly Float32Array[], a: number, b: number) => number>> = Object.freeze({
  std: pairDisagreement,
  bald: pairMutualInformation,
});

/** Informativeness of a comparison of 2 or 4 items: the mean over its pairs (a best-of-4 answer gives three). */
export function setDisagreement(scores: readonly Float32Array[], items: readonly number[], measure: Informativeness = 'std'): number {
  const f = PAIR_SCORE[measure];
  const pairs = setPairs(items);
  return pairs.length === 0 ? 0 : pairs.reduce((sum, [a, b]) => sum + f(scores, a, b), 0) / pairs.length;
}

/** The unordered pairs of a comparison's items, in order (one for pairwise, six for best-of-4). */
export function setPairs(items: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) out.push([items[i]!, items[j]!]);
  return out;
}

/**
 * How the committee's informativeness becomes the queue's order.
 *   random    fresh seeded random priorities: the committee is not consulted (the baseline);
 *   top       the most disagreed-on comparisons first (std; plain uncertainty sampling, query-by-committee);
 *   softrank  stochastic acquisition on std (Kirsch et al., arXiv 2106.12059): the order is a draw without
 *             replacement with probability ∝ rank^(−β), β = 1, via the Gumbel-top-k trick — priority =
 *             −β·log(rank) + Gumbel noise. A batch then mixes the most informative pairs with others, instead of many
 *             near-duplicates of one confusing kind;
 *   bald      the highest mutual information first (BALD, top-k);
 *   bald-mix  ε-greedy batches: each position of the order is, with probability ε (= 0.5), the next pair of a seeded
 *             random permutation, else the next highest-BALD pair not yet placed — half exploitation, half the
 *             random pairs that keep the labelled set representative (uncertainty sampling alone samples a biased
 *             set and can stall on it: Dasgupta & Hsu, ICML 2008, "Hierarchical sampling for active learning";
 *             Settles 2009, "Active Learning Literature Survey");
 *   bald-learnable  the highest BALD · max(ε, learnability) first (top-k): BALD discounted where the labels say the
 *             model cannot learn — the out-of-bag accuracy of the ensemble on the nearest labelled pairs
 *             (./learnability.ts; the reducible-loss idea of RHO-LOSS, arXiv 2206.07137). Needs the labelled pairs
 *             the ensemble was trained on (prioritise's `labelled`). Measured on the Studio's pool: no better than
 *             bald, below random (docs/results/issue-13-active-session9.md);
 *   bald-stratified  coverage first: the pool is clustered by k-means on the members' pair features and the clusters
 *             are served in proportion to their size (the labelled pairs counting as served), the highest-BALD pair of
 *             a cluster first (./coverage.ts; stratified sampling, Cochran 1977; pre-clustering, Nguyen & Smeulders,
 *             ICML 2004). Disagreement-first orders stop buying kinds the committee is confident on, which a fresh
 *             retrain still needs (session 9); this keeps the labelled set as representative as a random one.
 *             Measured: docs/results/issue-13-active-session10.md.
 */
export const ACQUISITIONS = ['random', 'top', 'softrank', 'bald', 'bald-mix', 'bald-learnable', 'bald-stratified'] as const;
export type Acquisition = (typeof ACQUISITIONS)[number];

/** Which informativeness an acquisition reads (random reads none). */
export const ACQUISITION_MEASURE: Readonly<Record<Acquisition, Informativeness | null>> = Object.freeze({
  random: null,
  top: 'std',
  softrank: 'std',
  bald: 'bald',
  'bald-mix': 'bald',
  'bald-learnable': 'bald',
  'bald-stratified': 'bald',
});

/** Ids by decreasing score, ties by id (deterministic). */
const ranked = (score: ReadonlyMap<number, number>): number[] => [...score.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);

/**
 * Priorities (higher first) from informativeness scores; `uniform` draws from [0, 1) (a seeded stream for the
 * stochastic orders). `epsilon` is bald-mix's random fraction.
 */
export function acquisitionPriorities(score: ReadonlyMap<number, number>, mode: Acquisition, uniform: () => number, beta = 1, epsilon = 0.5): Map<number, number> {
  if (mode === 'bald-stratified') {
    throw new Error('refract studio: acquisition bald-stratified must be ordered from the pool\'s features, got scores only — use stratifiedPriorities (./coverage.ts), as prioritise does');
  }
  if (mode === 'top' || mode === 'bald' || mode === 'bald-learnable') return new Map(score);
  if (mode === 'random') return new Map([...score.keys()].map((id) => [id, uniform()]));
  const order = ranked(score);
  if (mode === 'softrank') return new Map(order.map((id, i) => [id, -beta * Math.log(i + 1) - Math.log(-Math.log(Math.max(uniform(), 1e-12)))]));
  return new Map(epsilonMix(order, epsilon, uniform).map((id, i) => [id, order.length - i]));
}

/** The ε-greedy interleaving of `order` (best first) with a random permutation of it: each id once. */
export function epsilonMix(order: readonly number[], epsilon: number, uniform: () => number): number[] {
  const perm = [...order];
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const placed = new Set<number>();
  const out: number[] = [];
  let best = 0;
  let rand = 0;
  while (out.length < order.length) {
    const fromRandom = uniform() < epsilon;
    let id: number;
    if (fromRandom) {
      while (placed.has(perm[rand]!)) rand++;
      id = perm[rand]!;
    } else {
      while (placed.has(order[best]!)) best++;
      id = order[best]!;
    }
    placed.add(id);
    out.push(id);
  }
  return out;
}
