// Data parallelism for the on-policy iteration (PyTorch DDP semantics over c10d, DESIGN §6): every rank holds the
// same weights; each takes its contiguous share of the iteration's samples (rollout and reward are local); the
// rewards are all-gathered so credit sees every group whole, wherever its samples were drawn; each rank keeps the
// credit of its own samples; gradients are averaged by a bucketed all-reduce before the norm is clipped, so every
// rank clips, steps and skips identically. With equal shares the averaged gradient is the gradient of the mean
// over all B samples: 2 ranks × B/2 train as 1 rank × B (test/algorithms/data-parallel.test.ts).
import * as torch from '../torch/index.js';
import { Tensor } from '../torch/index.js';
import { allGather, allReduce, allReduceGradients, type ProcessGroup } from '../torch/distributed/index.js';
import { clipGradNorm_, type AdamW } from '../torch/optim/index.js';
import type { RewardResult } from '../rewards/types.js';
import type { PromptGroups } from './prompt-groups.js';
import type { StepLogTail } from './step-log.js';

/** This process's place in the data-parallel run: its process group (rank, worldSize). */
export type DataParallel = ProcessGroup;

/** The samples [start, end) a rank owns of an iteration's B. */
export interface SampleRange {
  readonly start: number;
  readonly end: number;
}

/** Rank `rank`'s contiguous share of `count` samples; the count must split evenly (checked at config time too). */
export function shardRange(count: number, rank: number, worldSize: number): SampleRange {
  if (count % worldSize !== 0) {
    throw new Error(`refract train: samples per iteration must be a multiple of --nproc ${worldSize}, got ${count} — change promptsPerIteration × groupSize or --nproc`);
  }
  const per = count / worldSize;
  return { start: rank * per, end: (rank + 1) * per };
}

/**
 * Rank `rank`'s contiguous share of `count` items that need not split evenly (Diffusion-DPO's pairs, GRPO's
 * surviving samples): the first count mod N ranks hold one more. Callers weight each item by 1/count and the rank's
 * gradient by N, so the averaged gradient is still the mean over all `count` items.
 */
export function balancedRange(count: number, rank: number, worldSize: number): SampleRange {
  const base = Math.floor(count / worldSize);
  const extra = count % worldSize;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}

/** The rank's share of the iteration's prompt groups (group ids stay global). */
export function shardGroups(groups: PromptGroups, range: SampleRange): PromptGroups {
  const cut = <T>(a: readonly T[]): T[] => a.slice(range.start, range.end);
  return { prompts: cut(groups.prompts), groupIds: cut(groups.groupIds), seeds: cut(groups.seeds), offset: range.start };
}

/** Every rank's reward results, concatenated in rank order (= sample order): totals, components, dense maps, uncertainty. */
export function gatherRewards(local: RewardResult, dp: DataParallel): RewardResult {
  const gather = (a: Float32Array): Float32Array =>
    torch.scope(() => {
      const parts = allGather(torch.fromTypedArray(a, [a.length]), { group: dp });
      return torch.cat(parts).toTypedArray() as Float32Array;
    });
  const components = Object.fromEntries(Object.entries(local.components).map(([k, v]) => [k, gather(v)]));
  const dense = local.dense
    ? Object.fromEntries(
        Object.entries(local.dense).map(([k, m]) => [k, { ...m, shape: [m.shape[0]! * dp.worldSize, ...m.shape.slice(1)], data: gather(m.data) }]),
      )
    : undefined;
  return {
    total: gather(local.total),
    components,
    ...(dense !== undefined ? { dense } : {}),
    ...(local.uncertainty !== undefined ? { uncertainty: gather(local.uncertainty) } : {}),
    meta: local.meta,
  };
}

/** Every rank's rows of `local` [n, …] (equal n on every rank), concatenated in rank order: a new tensor. */
export function gatherRows(local: Tensor, dp: DataParallel): Tensor {
  return torch.scope(() => torch.cat(allGather(local.contiguous(), { group: dp })));
}

/**
 * Element-wise sums of `values` over the ranks (float64): partial sums that each rank weighted by its share of a
 * global count add up to the single-process value. One process: `values` unchanged.
 */
export function sumOverRanks(values: readonly number[], dp: DataParallel | undefined): number[] {
  if (dp === undefined || values.length === 0) return [...values];
  return torch.scope(() => {
    const t = torch.tensor([...values], { dtype: 'float64' });
    allReduce(t, { group: dp });
    return t.toArray() as number[];
  });
}

/** Element-wise maxima of `values` over the ranks (NaN-free inputs). One process: unchanged. */
export function maxOverRanks(values: readonly number[], dp: DataParallel | undefined): number[] {
  if (dp === undefined || values.length === 0) return [...values];
  return torch.scope(() => {
    const t = torch.tensor([...values], { dtype: 'float64' });
    allReduce(t, { group: dp, op: 'max' });
    return t.toArray() as number[];
  });
}

/**
 * The rank's rows of a credit computed over all B samples: each top-level tensor with B rows is narrowed to the
 * range, each top-level array of length B sliced; everything else (statistics, the local rollout) is kept as is.
 */
export function shardCredit<A>(credit: A, range: SampleRange, count: number): A {
  if (typeof credit !== 'object' || credit === null) return credit;
  const out: Record<string, unknown> = { ...(credit as Record<string, unknown>) };
  for (const [k, v] of Object.entries(out)) {
    if (v instanceof Tensor && v.ndim > 0 && v.shape[0] === count) out[k] = v.narrow(0, range.start, range.end - range.start);
    else if (Array.isArray(v) && v.length === count) out[k] = v.slice(range.start, range.end);
  }
  return out as A;
}

/** The log's metrics averaged over the ranks (NaN anywhere stays NaN), skip flag OR-ed, KL averaged. */
export function averageLog(tail: StepLogTail, dp: DataParallel): StepLogTail {
  const keys = Object.keys(tail.metrics);
  const values = [...keys.map((k) => tail.metrics[k]!), tail.klToReference, tail.skippedUpdate ? 1 : 0];
  const summed = torch.scope(() => {
    const t = torch.tensor(values, { dtype: 'float64' });
    allReduce(t, { group: dp });
    return t.toArray() as number[];
  });
  const metrics = Object.fromEntries(keys.map((k, i) => [k, summed[i]! / dp.worldSize]));
  return { ...tail, metrics, klToReference: summed[keys.length]! / dp.worldSize, skippedUpdate: summed[keys.length + 1]! > 0 };
}

const dataParallelOf = new WeakMap<AdamW, DataParallel>();

/** From now on, `optimizer`'s gradients are averaged over `dp`'s ranks before every clipped step. */
export function shareGradients(optimizer: AdamW, dp: DataParallel): void {
  dataParallelOf.set(optimizer, dp);
}

/**
 * The gradient norm an update steps with, after clipping to `maxNorm`; NaN means "skip this step". One process:
 * `finite ? clipGradNorm_(params, maxNorm) : NaN`. Data parallel: the gradients are averaged across ranks first and
 * NaN comes back on every rank when any rank's loss was not finite — so every rank takes the same step.
 */
export function clippedGradNorm(optimizer: AdamW, params: Iterable<Tensor>, maxNorm: number, finite: boolean): number {
  const dp = dataParallelOf.get(optimizer);
  if (dp === undefined) return finite ? clipGradNorm_(params, maxNorm) : NaN;
  const trainable = optimizer.paramGroups.flatMap((g) => g.params);
  const reduced = allReduceGradients(trainable, { group: dp, localFinite: finite });
  return reduced.allFinite ? clipGradNorm_(params, maxNorm) : NaN;
}
