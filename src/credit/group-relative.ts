// Advantages across samples: group-relative normalisation (Flow-GRPO), whitening and clipping.
//
// Flow-GRPO (arXiv 2505.05470; flow_grpo/stat_tracking.py, PerPromptStatTracker.update with type 'grpo'):
//   A_i = (r_i − mean_{g(i)}) / (std_{g(i)} + 1e−4), std the population std (np.std) of sample i's group g(i);
//   with `global_std` the std is taken over the whole batch while the mean stays per group.
// Differences: flow_grpo accumulates a prompt's rewards over an epoch in a buffer before normalising; here one call
// normalises one batch (use PerPromptStatTracker for a running buffer). Clipping follows scripts/train_sd3.py
// (torch.clamp(advantages, −adv_clip_max, adv_clip_max)).
import type { Tensor } from '../torch/index.js';
import { checkEps, groupIndex, meanStd, readVector, toTensor, type GroupIds, type VectorLike } from './stats.js';

export type StdScope = 'group' | 'global';

export interface GroupRelativeOptions {
  /** 'group': divide by the group's std (default); 'global': by the batch's std (flow_grpo's global_std). */
  readonly std?: StdScope;
  /** Added to the std (default 1e−4, as flow_grpo). */
  readonly eps?: number;
}

/** (r_i − mean_g)/(std + eps) over plain numbers; `groups` holds each group's sample indices. */
export function groupNormalize(
  values: readonly number[],
  groups: readonly number[][],
  std: StdScope,
  eps: number,
): number[] {
  const out = new Array<number>(values.length).fill(0);
  const globalStd = meanStd(values).std;
  for (const g of groups) {
    const stats = meanStd(g.map((i) => values[i]!));
    const s = std === 'global' ? globalStd : stats.std;
    for (const i of g) out[i] = (values[i]! - stats.mean) / (s + eps); // (r − μ_g)/(σ + ε)
  }
  return out;
}

/**
 * Group-relative advantages A [B] from rewards [B] and one group id per sample (Flow-GRPO). A group of one sample
 * gets A = 0 (nothing to compare against).
 */
export function groupRelativeAdvantages(
  rewards: VectorLike,
  groupIds: GroupIds,
  opts: GroupRelativeOptions = {},
): Tensor {
  const fn = 'groupRelativeAdvantages';
  const eps = opts.eps ?? 1e-4;
  checkEps(eps, fn);
  const r = readVector(rewards, fn, 'rewards');
  const groups = groupIndex(groupIds, r.length, fn);
  return toTensor(groupNormalize(r, groups, opts.std ?? 'group', eps), rewards);
}

/** (x − mean)/(std + eps) over all elements (population std); the shape is kept. */
export function whiten(x: Tensor, eps = 1e-8): Tensor {
  checkEps(eps, 'whiten');
  const v = x.toArray();
  if (v.length === 0) return x.clone();
  const { mean, std } = meanStd(v);
  return toTensor(
    v.map((e) => (e - mean) / (std + eps)),
    x,
    x.shape,
  );
}

/** Clamps advantages to [−max, max] (flow_grpo's adv_clip_max); the shape is kept. */
export function clipAdvantages(a: Tensor, max: number): Tensor {
  if (!(max > 0)) {
    throw new Error(`refract clipAdvantages: max must be > 0, got ${max} — use e.g. 5 (flow_grpo's adv_clip_max)`);
  }
  return a.clamp(-max, max);
}

/** Indices of the samples whose group's rewards are not all equal (the groups that carry a learning signal: DAPO's dynamic-sampling filter, arXiv 2503.14476 §3.2). */
export function informativeSamples(rewards: Float32Array, groupIds: readonly number[]): number[] {
  const first = new Map<number, number>();
  const varied = new Set<number>();
  groupIds.forEach((g, i) => {
    const r0 = first.get(g);
    if (r0 === undefined) first.set(g, rewards[i]!);
    else if (r0 !== rewards[i]) varied.add(g);
  });
  return groupIds.flatMap((g, i) => (varied.has(g) ? [i] : []));
}
