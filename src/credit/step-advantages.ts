// Advantages across denoising steps: [B] → [B, K] for the K selected steps, optional per-step weights, and process
// rewards (one reward per sample and step) normalised per step.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { groupNormalize, type StdScope } from './group-relative.js';
import { checkEps, groupIndex, readVector, toTensor, type GroupIds, type VectorLike } from './stats.js';

/**
 * A_{i,k} = w_k · A_i for the K selected steps (w = 1 when omitted), [B, K]. This is what Flow-GRPO and DDPO do
 * (the sample's advantage at every trained step); weights rescale steps, e.g. `noiseLevelWeights`.
 */
export function stepAdvantages(a: VectorLike, steps: readonly number[], weights?: readonly number[]): Tensor {
  const fn = 'stepAdvantages';
  const v = readVector(a, fn, 'A');
  const K = steps.length;
  if (K === 0) throw new Error(`refract ${fn}: steps must be non-empty — select at least one step`);
  const w = weights ?? new Array<number>(K).fill(1);
  if (w.length !== K || !w.every((x) => Number.isFinite(x))) {
    throw new Error(`refract ${fn}: weights must be ${K} finite numbers (one per selected step), got ${w.length}`);
  }
  const out = v.flatMap((ai) => w.map((wk) => wk * ai)); // A_i · w_k, row-major [B, K]
  return toTensor(out, a, [v.length, K]);
}

/**
 * Per-step weights proportional to each selected step's noise std, normalised to mean 1 over the selection, in the
 * spirit of TempFlow-GRPO's noise-aware weighting (arXiv 2508.04324, §3.3): steps that inject more noise carry more
 * of the exploration and get more credit. `stds` has one value per step (e.g. a row of Trajectory.stdDevs).
 */
export function noiseLevelWeights(stds: readonly number[], steps: readonly number[]): number[] {
  const fn = 'refract noiseLevelWeights';
  const s = steps.map((k) => {
    const x = stds[k];
    if (x === undefined || !(x > 0))
      throw new Error(`${fn}: stds[${k}] must be > 0, got ${x} — select stochastic steps`);
    return x;
  });
  const mean = s.reduce((p, q) => p + q, 0) / s.length;
  return s.map((x) => x / mean);
}

/** The K selected columns of a per-step tensor [B, T, ...] (e.g. Trajectory.logProbs) as [B, K, ...]. */
export function gatherSteps(perStep: Tensor, steps: readonly number[]): Tensor {
  const T = perStep.shape[1];
  if (T === undefined || steps.some((k) => !(Number.isInteger(k) && k >= 0 && k < T))) {
    throw new Error(
      `refract gatherSteps: steps must be integers in [0, ${T}) for shape [${perStep.shape.join(', ')}], got [${steps.join(', ')}]`,
    );
  }
  return torch.scope(() => perStep.indexSelect(1, torch.tensor([...steps], { dtype: 'int64' })));
}

export interface ProcessRewardOptions {
  readonly groupIds: GroupIds;
  /** Steps to keep (default all T). */
  readonly steps?: readonly number[];
  readonly std?: StdScope;
  /** Default 1e−4. */
  readonly eps?: number;
}

/**
 * Process rewards: per-step rewards r [B, T] (e.g. a reward of the x̂₀ predicted at each step, or of a branch
 * rolled out from it, as TempFlow-GRPO arXiv 2508.04324 §3.2) → per-step advantages [B, K], each step normalised in
 * its group on its own: A_{i,t} = (r_{i,t} − mean_g(r_{·,t}))/(std_g(r_{·,t}) + eps).
 */
export function processRewardAdvantages(stepRewards: Tensor, opts: ProcessRewardOptions): Tensor {
  const fn = 'processRewardAdvantages';
  const eps = opts.eps ?? 1e-4;
  checkEps(eps, fn);
  if (stepRewards.ndim !== 2) {
    throw new Error(`refract ${fn}: stepRewards must have shape [B, T], got [${stepRewards.shape.join(', ')}]`);
  }
  const [B, T] = stepRewards.shape as [number, number];
  const steps = opts.steps ?? Array.from({ length: T }, (_, t) => t);
  const groups = groupIndex(opts.groupIds, B, fn);
  const cols = gatherSteps(stepRewards, steps);
  const flat = cols.toArray();
  cols.dispose();
  const bad = flat.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`refract ${fn}: stepRewards must be finite, got ${flat[bad]} — check the step reward`);
  const K = steps.length;
  const out = new Array<number>(B * K);
  for (let k = 0; k < K; k++) {
    const col = Array.from({ length: B }, (_, i) => flat[i * K + k]!);
    groupNormalize(col, groups, opts.std ?? 'group', eps).forEach((x, i) => (out[i * K + k] = x));
  }
  return toTensor(out, stepRewards, [B, K]);
}
