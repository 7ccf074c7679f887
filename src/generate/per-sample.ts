// Broadcasting helpers for sampler steps: per-sample scalars as [B, 1, ..., 1] tensors, reductions over the
// non-batch dims, and per-sample noise drawn from per-sample generators.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { NoiseSource, PerSample } from './types.js';

/**
 * A number or a [B] / [1] / [] tensor as a [B, 1, ..., 1] tensor in `like`'s dtype, so it broadcasts against
 * `like` [B, ...]. `fn` and `what` name the caller and argument in error messages.
 */
export function perSample(value: PerSample, like: Tensor, fn: string, what: string): Tensor {
  const shape = like.shape;
  const batch = shape[0] ?? 1;
  const target = [batch, ...shape.slice(1).map(() => 1)];
  if (typeof value === 'number') return torch.full(target, value, { dtype: like.dtype });
  const n = value.numel();
  if (n !== 1 && n !== batch) {
    throw new Error(
      `refract ${fn}: ${what} must have 1 or B=${batch} elements, got shape [${value.shape.join(', ')}] — pass one value per sample`,
    );
  }
  return torch.scope(() =>
    value
      .to(like.dtype)
      .reshape([n, ...target.slice(1)])
      .expand(target)
      .contiguous(),
  );
}

/** Mean over every dim but the first: [B, ...] → [B]. */
export function meanOverNonBatch(t: Tensor): Tensor {
  if (t.ndim <= 1) return t.clone();
  return t.mean(range(1, t.ndim));
}

/** Sum over every dim but the first: [B, ...] → [B]. */
export function sumOverNonBatch(t: Tensor): Tensor {
  if (t.ndim <= 1) return t.clone();
  return t.sum(range(1, t.ndim));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Draws a tensor of `shape` from one generator (or the global one, when undefined). */
export type Draw = (shape: number[], generator: torch.Generator | undefined) => Tensor;

/**
 * A random tensor of `shape` [B, ...]. With one generator (or none: the global one) it draws the whole batch at
 * once; with one generator per sample it draws sample i's slice from generator i, so sample i's values do not
 * depend on the batch it is in.
 */
export function drawPerSample(shape: number[], source: NoiseSource | undefined, fn: string, draw: Draw): Tensor {
  if (source === undefined || !Array.isArray(source)) return draw(shape, source as torch.Generator | undefined);
  const gens = source as readonly torch.Generator[];
  if (gens.length !== shape[0]) {
    throw new Error(
      `refract ${fn}: generator must be one Generator or one per sample (B=${shape[0]}), got ${gens.length} — pass a Generator per seed`,
    );
  }
  return torch.scope(() => torch.stack(gens.map((g) => draw(shape.slice(1), g))));
}

/** Standard normal noise of `shape` [B, ...] in `dtype` (see drawPerSample). */
export function standardNormal(
  shape: number[],
  dtype: torch.DType,
  source: NoiseSource | undefined,
  fn: string,
): Tensor {
  return drawPerSample(shape, source, fn, (s, generator) => torch.randn(s, { generator, dtype }));
}

/** Standard normal noise shaped like `like`, in its dtype (see drawPerSample). */
export function standardNormalLike(like: Tensor, source: NoiseSource | undefined, fn: string): Tensor {
  return standardNormal(like.shape, like.dtype, source, fn);
}
