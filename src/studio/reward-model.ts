// A reward model from the labels people gave in the Studio: a bootstrap ensemble of Bradley–Terry models
// (rewards/preference/ensemble.ts) trained on the label database's preferences table, saved as member folders
// (rewards/preference/rm-cache.ts format), with its reward card — pairwise accuracy on a fixed, seeded held-out part
// of the labels themselves (split by prompt, ./label-split.ts; never trained on), with its cluster-robust SE — and,
// for the queue, the ensemble's disagreement on every comparison of the pool (active learning, ./active.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadPreferencePairs, readPngImage } from '../store/preference-pairs.js';
import { RewardEnsemble, type EnsembleRewardOptions } from '../rewards/preference/ensemble.js';
import { pairwiseCorrect } from '../rewards/preference/accuracy.js';
import { clusteredAccuracy, splitByPrompt } from './label-split.js';
import { loadCachedMembers, saveCachedMembers } from '../rewards/preference/rm-cache.js';
import type { LabelDb } from './label-db.js';
import { ACQUISITION_MEASURE, acquisitionPriorities, memberFeatures, memberScores, setDisagreement, setPairs, type Acquisition } from './active.js';
import { labelledEvidence, learnableBald, type LabelledPairs } from './learnable-bald.js';
import { pairFeature } from './learnability.js';
import { DEFAULT_COVERAGE, stratifiedPriorities, type CoverageOptions } from './coverage.js';
import { Rng } from '../data/rng.js';

/**
 * The queue's acquisition after a reward model is trained: random, because that is what the measurements support
 * (issue #13 note, docs/results/issue-13-active-session8.md). On the Studio's pool (bench/studio-active-bald.json,
 * 16 paired repeats, 20 → 200 labels) BALD's mean held-out accuracy over the budget is 0.031 ± 0.008 below random's and
 * bald-mix's 0.017 ± 0.010 below: a quarter of the pool ('contradict' pairs) stays at chance at every budget tried, yet
 * it is what the committee disagrees on most, so disagreement-first queues spend half their labels there; top and
 * softrank (std) lost too (session 5). bald-learnable, BALD discounted by the out-of-bag learnability of the nearest
 * labelled pairs, lost as well: −0.035 ± 0.010 (bench/studio-active-learnable-aware.json, n = 16; session 9 note).
 * bald-stratified (proportional k-means strata, BALD inside; ./coverage.ts) ties it: +0.002 ± 0.008, n = 16
 * (bench/studio-active-coverage.json; docs/results/issue-13-active-session10.md) — not the ≥ 2 SE gain a default needs.
 * `POST /api/reward-models` takes `acquisition` to choose another order.
 */
export const DEFAULT_ACQUISITION: Acquisition = 'random';
import { STUDIO_CARD_FILE } from './runs-index.js';

export interface LabelRewardOptions {
  members: number;
  steps: number;
  seed: number;
  /** Fraction of the labelled prompts held out for the card (their comparisons are never trained on). */
  heldOutFraction: number;
  /** Seed of the held-out split (fixed apart from `seed`, so retrained models are judged on the same labels). */
  splitSeed: number;
  /** How the trained ensemble re-orders the labeling queue (./active.ts). */
  acquisition: Acquisition;
}

export const DEFAULT_LABEL_REWARD: Readonly<LabelRewardOptions> = Object.freeze({ members: 3, steps: 300, seed: 0, heldOutFraction: 0.2, splitSeed: 0, acquisition: DEFAULT_ACQUISITION });

export interface StudioRewardCard {
  kind: 'studio-bradley-terry';
  name: string;
  createdAt: string;
  /** Pairs trained on (human labels; best-of-4 answers count as three pairs, ties are skipped). */
  labels: number;
  members: number;
  steps: number;
  /**
   * Agreement with the held-out labels (noisy human answers, so a perfect model scores the labelers' own
   * consistency, not 1): n pairs over `prompts` prompts, SE cluster-robust by prompt.
   */
  heldOut: { accuracy: number; se: number; n: number; prompts: number; fraction: number; splitSeed: number; source: string };
  labelers: ReturnType<LabelDb['agreement']>;
}

/** `<runs>/studio/reward-models/<name>/`: the members and the card. */
export function rewardModelDir(db: LabelDb, name: string): string {
  return path.join(db.dir, 'reward-models', name);
}

export function nextRewardModelName(db: LabelDb): string {
  const root = path.join(db.dir, 'reward-models');
  const n = existsSync(root) ? readdirSync(root).length : 0;
  return `rm-${String(n + 1).padStart(3, '0')}`;
}

/** Trains the ensemble on every labelled pair, writes it and its card; returns the card. */
export async function trainLabelReward(db: LabelDb, name: string, opts: Partial<LabelRewardOptions> = {}, log: (m: string) => void = () => {}): Promise<StudioRewardCard> {
  const o = { ...DEFAULT_LABEL_REWARD, ...opts };
  const { train: pairs, heldOut: held } = splitByPrompt(loadPreferencePairs(db.file), o.heldOutFraction, o.splitSeed);
  if (pairs.length < 2 || held.length < 1) {
    throw new Error(
      `refract studio: labels must give at least 2 training pairs and 1 held-out pair (split ${o.heldOutFraction} by prompt), got ${pairs.length} and ${held.length} — label more`,
    );
  }
  log(`training ${o.members} Bradley–Terry members on ${pairs.length} labelled pairs (${held.length} held out)`);
  const ensemble = RewardEnsemble.train(pairs, { members: o.members, steps: o.steps, seed: o.seed });
  try {
    const scored = clusteredAccuracy(await pairwiseCorrect(ensemble, held), held.map((p) => p.prompt.text));
    const accuracy = scored.accuracy;
    const dir = rewardModelDir(db, name);
    saveCachedMembers(dir, ensemble.members);
    const card: StudioRewardCard = {
      kind: 'studio-bradley-terry',
      name,
      createdAt: new Date().toISOString(),
      labels: pairs.length,
      members: o.members,
      steps: o.steps,
      heldOut: {
        accuracy,
        se: scored.se,
        n: held.length,
        prompts: scored.clusters,
        fraction: o.heldOutFraction,
        splitSeed: o.splitSeed,
        source: `held-out labels: the comparisons of ${scored.clusters} prompts (a seeded ${Math.round(o.heldOutFraction * 100)}% split by prompt, never trained on)`,
      },
      labelers: db.agreement(),
    };
    writeFileSync(path.join(dir, STUDIO_CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
    log(`held-out pairwise accuracy ${accuracy.toFixed(3)} ± ${card.heldOut.se.toFixed(3)} (n = ${held.length}); updating the queue's priorities`);
    prioritise(db, ensemble, o.acquisition, o.seed, { trainedOn: pairs, heldOut: held });
    return card;
  } finally {
    await ensemble.close();
  }
}

/**
 * Re-orders the queue by the ensemble's informativeness on each comparison (./active.ts, `mode`). `bald-learnable`
 * also needs the labelled pairs the ensemble learned from (`labelled`; ./learnable-bald.ts). Returns each pair's
 * informativeness (empty for random).
 */
export function prioritise(db: LabelDb, ensemble: RewardEnsemble, mode: Acquisition = DEFAULT_ACQUISITION, seed = 0, labelled?: LabelledPairs): Map<number, number> {
  const measure = ACQUISITION_MEASURE[mode];
  const rng = new Rng(seed);
  const pool = db.pairs();
  if (measure === null) {
    db.setPriorities(acquisitionPriorities(new Map(pool.map((p) => [p.id, 0])), mode, () => rng.uniform()));
    return new Map();
  }
  const items = db.items();
  const index = new Map(items.map((it, i) => [it.id, i]));
  const images = items.map((it) => readPngImage(path.join(db.dir, it.path)));
  const prompts = items.map((it) => it.prompt);
  const scores = memberScores(ensemble, images, prompts);
  const sets = pool.map((p) => p.items.map((id) => index.get(id)!));
  let informativeness: Map<number, number>;
  if (mode === 'bald-learnable') {
    if (labelled === undefined) throw new Error('refract studio: acquisition bald-learnable must be given the labelled pairs, got none — pass the ensemble\'s training pairs');
    const { score } = learnableBald({ sets, scores, ...memberFeatures(ensemble, images, prompts) }, labelledEvidence(ensemble, labelled));
    informativeness = new Map(pool.map((p, s) => [p.id, score[s]!]));
  } else informativeness = new Map(pool.map((p, s) => [p.id, setDisagreement(scores, sets[s]!, measure)]));
  const uniform = (): number => rng.uniform();
  db.setPriorities(
    mode === 'bald-stratified'
      ? coveragePriorities(db, pool, sets, informativeness, memberFeatures(ensemble, images, prompts), uniform)
      : acquisitionPriorities(informativeness, mode, uniform),
  );
  return informativeness;
}

/**
 * bald-stratified's priorities (./coverage.ts): the ordinary comparisons (checks keep theirs) clustered on their
 * feature — the mean over the comparison's pairs of the members' pair feature z = concat_k |h_k(a) − h_k(b)|
 * (./learnability.ts) — served in proportion to cluster size, labelled ones counting as served, highest BALD first.
 */
export function coveragePriorities(
  db: LabelDb,
  pool: readonly { id: number; known: string | null }[],
  sets: readonly (readonly number[])[],
  bald: ReadonlyMap<number, number>,
  member: { features: Float32Array[]; hidden: number },
  uniform: () => number,
  o: Readonly<CoverageOptions> = DEFAULT_COVERAGE,
): Map<number, number> {
  const ordinary = pool.map((p, s) => [p, sets[s]!] as const).filter(([p]) => p.known === null);
  const done = db.donePairIds();
  const features = ordinary.map(([, items]) => {
    const z = new Float32Array(member.features.length * member.hidden);
    const pairs = setPairs(items);
    for (const [a, b] of pairs) pairFeature(member.features, member.hidden, a, b).forEach((x, d) => (z[d]! += x));
    return z.map((x) => x / Math.max(1, pairs.length));
  });
  const ids = ordinary.map(([p]) => p.id);
  return stratifiedPriorities(ids, features, ids.map((id) => done.has(id)), ids.map((id) => bald.get(id)!), uniform, o).priorities;
}

/** The card of a reward model trained in this Studio; refuses any other name. */
export function readStudioCard(db: LabelDb, name: string): StudioRewardCard {
  const card = path.join(rewardModelDir(db, name), STUDIO_CARD_FILE);
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !existsSync(card)) {
    throw new Error(`refract studio: reward model must be one trained in this Studio, got ${JSON.stringify(name)} — train one first`);
  }
  return JSON.parse(readFileSync(card, 'utf8')) as StudioRewardCard;
}

/** Loads a saved Studio reward model (its members) as an ensemble; `pessimism` λ makes its reward mean − λ·std. */
export function loadLabelReward(db: LabelDb, name: string, reward: EnsembleRewardOptions = {}): RewardEnsemble {
  const { members } = readStudioCard(db, name);
  const dir = rewardModelDir(db, name);
  const loaded = loadCachedMembers(dir, members);
  if (loaded === null) throw new Error(`refract studio: reward model ${name} must hold ${members} members, got an incomplete folder — train it again`);
  mkdirSync(dir, { recursive: true });
  return new RewardEnsemble(loaded, reward);
}
