// Batching a generic conditioning: concatenate along the batch dim, or take a range of samples.
//
// Conditioning is a type parameter of generate/; we only need to stack cond with uncond (classifier-free
// guidance in one forward) and to cut a batch into chunks (replay in different batch splits). Tensors are cut
// along dim 0; arrays and plain objects are walked; anything else (numbers, strings, null) is shared by all
// samples and passed through. A conditioning of another shape needs its own `ConditioningOps`.
import * as torch from '../torch/index.js';
import { Tensor } from '../torch/index.js';

export interface ConditioningOps<C> {
  /** Concatenates along the batch dim: [a₁…, a₂…]. */
  cat(parts: readonly C[]): C;
  /** Samples [start, end) of a batch. */
  slice(c: C, start: number, end: number): C;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function catAny(parts: readonly unknown[], path: string): unknown {
  const first = parts[0];
  if (first instanceof Tensor) {
    if (!parts.every((p) => p instanceof Tensor))
      throw new Error(`refract catConditioning: ${path} is a Tensor in some parts only`);
    return torch.cat(parts as Tensor[], 0);
  }
  if (Array.isArray(first)) {
    return first.map((_, i) =>
      catAny(
        parts.map((p) => (p as unknown[])[i]),
        `${path}[${i}]`,
      ),
    );
  }
  if (isPlainObject(first)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first))
      out[k] = catAny(
        parts.map((p) => (p as Record<string, unknown>)[k]),
        `${path}.${k}`,
      );
    return out;
  }
  return first;
}

function sliceAny(c: unknown, start: number, end: number): unknown {
  if (c instanceof Tensor) return c.narrow(0, start, end - start);
  if (Array.isArray(c)) return c.map((e) => sliceAny(e, start, end));
  if (isPlainObject(c)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) out[k] = sliceAny(v, start, end);
    return out;
  }
  return c;
}

/** The default ConditioningOps: Tensor leaves along dim 0, other leaves shared. */
export function defaultConditioningOps<C>(): ConditioningOps<C> {
  return {
    cat: (parts) => {
      if (parts.length === 0) throw new Error('refract catConditioning: parts must be non-empty');
      return catAny(parts, 'cond') as C;
    },
    slice: (c, start, end) => sliceAny(c, start, end) as C,
  };
}
