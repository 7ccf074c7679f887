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

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Standard deviation over members of σ(r_k(a) − r_k(b)) for item indices a, b into `scores[k]`. */
export function pairDisagreement(scores: readonly Float32Array[], a: number, b: number): number {
  const p = scores.map((s) => sigmoid(s[a]! - s[b]!));
  const mean = p.reduce((x, y) => x + y, 0) / p.length;
  return Math.sqrt(p.reduce((x, y) => x + (y - mean) ** 2, 0) / p.length);
}

/** Disagreement of a comparison of 2 or 4 items: the mean over its pairs. */
export function setDisagreement(scores: readonly Float32Array[], items: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      sum += pairDisagreement(scores, items[i]!, items[j]!);
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

/**
 * How disagreement becomes the queue's order.
 *   top       the most disagreed-on comparisons first (plain uncertainty sampling);
 *   softrank  stochastic acquisition (Kirsch et al., arXiv 2106.12059): the order is a draw without replacement with
 *             probability ∝ rank^(−β), β = 1, via the Gumbel-top-k trick — priority = −β·log(rank) + Gumbel noise.
 *             A batch then mixes the most informative pairs with others, instead of many near-duplicates of one
 *             confusing kind.
 */
export type Acquisition = 'top' | 'softrank';

/** Priorities (higher first) from disagreements; `uniform` draws from [0, 1) (a seeded stream for softrank). */
export function acquisitionPriorities(disagreement: ReadonlyMap<number, number>, mode: Acquisition, uniform: () => number, beta = 1): Map<number, number> {
  if (mode === 'top') return new Map(disagreement);
  const ranked = [...disagreement.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return new Map(ranked.map(([id], i) => [id, -beta * Math.log(i + 1) - Math.log(-Math.log(Math.max(uniform(), 1e-12)))]));
}
