// The one shape every algorithm consumes (DESIGN §2, "Advantages"), and diagnostics over it.
import type { Tensor } from '../torch/index.js';
import { meanStd } from './stats.js';

/**
 * Credit for one batch of B samples. `sample` is always there; `steps` [B, K] gives the advantage at each of the K
 * trained steps `stepIndices` (an algorithm without it uses `sample` at every trained step); `dense` [B, ...]
 * gives per-pixel or per-frame advantages (weights inside the per-element log-prob mean, see dense.ts).
 */
export interface Advantages {
  readonly sample: Tensor;
  readonly steps?: Tensor;
  readonly stepIndices?: readonly number[];
  readonly dense?: Tensor;
}

/** Builds an Advantages after checking the shapes agree. */
export function makeAdvantages(parts: Advantages): Advantages {
  const where = 'refract makeAdvantages';
  const s = parts.sample;
  if (s.ndim !== 1) throw new Error(`${where}: sample must have shape [B], got [${s.shape.join(', ')}]`);
  const B = s.shape[0]!;
  if (parts.steps !== undefined) {
    const k = parts.stepIndices?.length;
    const ok = parts.steps.ndim === 2 && parts.steps.shape[0] === B && parts.steps.shape[1] === k;
    if (!ok) {
      throw new Error(
        `${where}: steps must have shape [B=${B}, K=${k}] matching stepIndices, got [${parts.steps.shape.join(', ')}]` +
          ' — pass the stepIndices the step advantages were built for',
      );
    }
  }
  if (parts.dense !== undefined && (parts.dense.ndim < 2 || parts.dense.shape[0] !== B)) {
    throw new Error(`${where}: dense must have shape [B=${B}, ...], got [${parts.dense.shape.join(', ')}]`);
  }
  return parts;
}

/** Frees the tensors of an Advantages. */
export function disposeAdvantages(a: Advantages): void {
  for (const t of [a.sample, a.steps, a.dense]) t?.dispose();
}

export interface AdvantageStats {
  readonly mean: number;
  /** Population std. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** Fraction of elements with |A| ≥ clipMax (0 when no clipMax is given). */
  readonly fractionClipped: number;
  readonly count: number;
}

/** Diagnostics of an advantage tensor (any shape); pass the pre-clip values and the clip bound. */
export function advantageStats(a: Tensor, clipMax?: number): AdvantageStats {
  const v = a.toArray();
  if (v.length === 0) return { mean: 0, std: 0, min: 0, max: 0, fractionClipped: 0, count: 0 };
  const { mean, std } = meanStd(v);
  const clipped = clipMax === undefined ? 0 : v.filter((x) => Math.abs(x) >= clipMax).length;
  return {
    mean,
    std,
    min: v.reduce((p, q) => Math.min(p, q), Infinity),
    max: v.reduce((p, q) => Math.max(p, q), -Infinity),
    fractionClipped: clipped / v.length,
    count: v.length,
  };
}
