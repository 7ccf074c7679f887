// Small float64 helpers shared by the credit layer: per-sample vectors read out of tensors, group indices,
// population mean and std. Advantages over a batch of B samples are tiny ([B]); computing them in JS float64 keeps
// them exact and the tensors hand back the caller's dtype.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** One id per sample; samples with equal ids form a group (e.g. the K images of one prompt). */
export type GroupIds = readonly (string | number)[];

/** Per-sample values: a [B] tensor, or the typed arrays of a RewardResult (rewards/types.ts), or plain numbers. */
export type VectorLike = Tensor | Float32Array | Float64Array | readonly number[];

/** A [B] tensor (or [B, 1]) or array as float64 numbers, checked. `fn` names the caller in errors. */
export function readVector(t: VectorLike, fn: string, what: string, batch?: number): number[] {
  const shape = t instanceof torch.Tensor ? t.shape : [t.length];
  const ok = shape.length === 1 || (shape.length === 2 && shape[1] === 1);
  if (!ok) {
    throw new Error(
      `refract ${fn}: ${what} must have shape [B], got [${shape.join(', ')}] — pass one value per sample`,
    );
  }
  if (batch !== undefined && shape[0] !== batch) {
    throw new Error(
      `refract ${fn}: ${what} must have B=${batch} elements, got ${shape[0]} — pass one value per sample`,
    );
  }
  const v = t instanceof torch.Tensor ? t.toArray() : Array.from(t);
  const bad = v.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new Error(`refract ${fn}: ${what} must be finite, got ${v[bad]} at index ${bad} — check the reward`);
  }
  return v;
}

/** A float dtype for outputs: float64 for float64 input, else float32. */
export function outDtype(like: VectorLike): 'float32' | 'float64' {
  if (like instanceof torch.Tensor) return like.dtype === 'float64' ? 'float64' : 'float32';
  return like instanceof Float64Array ? 'float64' : 'float32';
}

/** Numbers as a tensor of the given shape (default [n]) in `like`'s float dtype. */
export function toTensor(values: readonly number[], like: VectorLike, shape?: number[]): Tensor {
  const dtype = outDtype(like);
  const data = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return torch.fromTypedArray(data, shape ?? [values.length]);
}

/** Sample indices of each group, in order of first appearance. */
export function groupIndex(groupIds: GroupIds, batch: number, fn: string): number[][] {
  if (groupIds.length !== batch) {
    throw new Error(
      `refract ${fn}: groupIds must have B=${batch} entries, got ${groupIds.length} — pass one group id per sample`,
    );
  }
  const groups = new Map<string, number[]>();
  groupIds.forEach((id, i) => {
    const key = `${typeof id}:${id}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()];
}

export interface MeanStd {
  readonly mean: number;
  /** Population std (ddof = 0), as numpy's np.std in flow_grpo and ddpo-pytorch. */
  readonly std: number;
}

export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) * (b - mean), 0) / n;
  return { mean, std: Math.sqrt(variance) };
}

export function checkEps(eps: number, fn: string): void {
  if (!(Number.isFinite(eps) && eps > 0)) {
    throw new Error(`refract ${fn}: eps must be a positive number, got ${eps} — use e.g. 1e-4`);
  }
}
