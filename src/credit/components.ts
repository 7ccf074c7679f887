// Advantages across reward components (DESIGN §3, "Multi-reward").
//
// 'normalize_then_combine' — GDPO (arXiv 2601.05242): normalise each component inside its group first,
//   A_k,i = (r_k,i − mean_g(r_k))/(std_g(r_k) + eps), sum with the weights, Σ_k w_k·A_k,i, then normalise the sum
//   over the batch (GDPO's batch-wise advantage normalisation, so the range does not grow with the number of
//   components). Distinct component combinations keep distinct advantages, and a component's scale cannot override
//   its weight.
// 'combine_then_normalize' — the weighted sum of raw rewards r_i = Σ_k w_k·r_k,i normalised in its group, as
//   flow_grpo's multi-score reward does (scale overrides weight: flow_grpo issues #188, #53).
import type { Tensor } from '../torch/index.js';
import { groupNormalize, type StdScope } from './group-relative.js';
import { checkEps, groupIndex, meanStd, readVector, toTensor, type GroupIds, type VectorLike } from './stats.js';

export type CombineMode = 'normalize_then_combine' | 'combine_then_normalize';

export interface CombineOptions {
  readonly groupIds: GroupIds;
  /** Default 'normalize_then_combine' (GDPO). */
  readonly mode?: CombineMode;
  /** Std used inside a group (default 'group'). */
  readonly std?: StdScope;
  /** Added to every std (default 1e−4). */
  readonly eps?: number;
  /** GDPO's final batch-wise normalisation of the combined advantage (default true; normalize_then_combine only). */
  readonly batchNormalize?: boolean;
}

/** Combines per-component rewards {name → [B]} with {name → weight} into advantages [B]. */
export function combineComponents(
  components: Readonly<Record<string, VectorLike>>,
  weights: Readonly<Record<string, number>>,
  opts: CombineOptions,
): Tensor {
  const fn = 'combineComponents';
  const eps = opts.eps ?? 1e-4;
  checkEps(eps, fn);
  const names = Object.keys(components);
  if (names.length === 0) throw new Error(`refract ${fn}: components must be non-empty — pass at least one reward`);
  checkWeights(names, weights, fn);
  const first = components[names[0]!]!;
  const batch = readVector(first, fn, `components["${names[0]}"]`).length;
  const values = names.map((n) => readVector(components[n]!, fn, `components["${n}"]`, batch));
  const groups = groupIndex(opts.groupIds, batch, fn);
  const std = opts.std ?? 'group';
  const w = names.map((n) => weights[n]!);
  const weightedSum = (rows: number[][]): number[] =>
    Array.from({ length: batch }, (_, i) => rows.reduce((acc, row, k) => acc + w[k]! * row[i]!, 0));

  if ((opts.mode ?? 'normalize_then_combine') === 'combine_then_normalize') {
    return toTensor(groupNormalize(weightedSum(values), groups, std, eps), first); // normalise(Σ w_k r_k)
  }
  const summed = weightedSum(values.map((r) => groupNormalize(r, groups, std, eps))); // Σ w_k·normalise(r_k)
  if (opts.batchNormalize === false) return toTensor(summed, first);
  const { mean, std: s } = meanStd(summed);
  return toTensor(
    summed.map((a) => (a - mean) / (s + eps)),
    first,
  );
}

function checkWeights(names: readonly string[], weights: Readonly<Record<string, number>>, fn: string): void {
  for (const n of names) {
    const w = weights[n];
    if (w === undefined || !Number.isFinite(w)) {
      throw new Error(
        `refract ${fn}: weights["${n}"] must be a finite number, got ${w} — give every component a weight`,
      );
    }
  }
  for (const n of Object.keys(weights)) {
    if (!names.includes(n)) {
      throw new Error(
        `refract ${fn}: weights must name only components [${names.join(', ')}], got "${n}" — remove it or add that reward`,
      );
    }
  }
}
