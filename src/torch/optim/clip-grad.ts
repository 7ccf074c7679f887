// Gradient-norm clipping (torch.nn.utils.clip_grad_norm_): scale all gradients together so their joint p-norm is
// at most maxNorm. Follows PyTorch 1.13 op for op — per-tensor norms, the norm of those, coef = maxNorm /
// (norm + 1e-6) clamped to ≤ 1, every gradient multiplied in place — with one deliberate difference: a non-finite
// total norm never scales the gradients (PyTorch would spread NaN into all of them). It is returned for the caller
// to skip the step, or thrown with `errorIfNonfinite`.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import { stack } from '../creation.js';
import { aten } from '../ops.js';
import { wrap } from '../tensor.js';
import { scope } from '../memory.js';
import { noGrad } from '../autograd.js';

// torch.norm(g, p) resolves to aten::norm over all dims in 1.13; the same kernel keeps the norm bit-identical.
const normDims = aten('norm', 'ScalarOpt_dim');

export interface ClipGradNormOptions {
  /** p of the p-norm; Infinity for the max-norm (default 2). */
  normType?: number;
  /** Throw instead of returning a NaN/Infinity norm (default false). */
  errorIfNonfinite?: boolean;
}

/** Clips the gradients of `params` in place and returns their total norm before clipping (0 if none has a grad). */
export function clipGradNorm_(params: Iterable<Tensor>, maxNorm: number, opts: ClipGradNormOptions = {}): number {
  const p = opts.normType ?? 2;
  if (!(maxNorm >= 0)) throw new TorchError(`maxNorm must be ≥ 0, got ${maxNorm}`, 'clipGradNorm_');
  return scope(() =>
    noGrad(() => {
      const grads = [...params].map((t) => t.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      const norms = grads.map((g) => (p === Infinity ? g.abs().max() : tensorNorm(g, p)));
      const total =
        p === Infinity ? (norms.length === 1 ? norms[0]! : stack(norms).max()) : tensorNorm(stack(norms), p);
      const value = total.item();
      if (!Number.isFinite(value)) {
        if (opts.errorIfNonfinite) {
          throw new TorchError(
            `the total ${p}-norm of the gradients must be finite, got ${value} — find the NaN/Inf (a too-high lr, ` +
              'a log of 0) or skip this step',
            'clipGradNorm_',
          );
        }
        return value;
      }
      // PyTorch computes maxNorm / (norm + 1e-6) as reciprocal·maxNorm in float32 (Tensor.__rtruediv__).
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1.0);
      for (const g of grads) g.mul_(coef);
      return value;
    }),
  );
}

function tensorNorm(t: Tensor, p: number): Tensor {
  return wrap(normDims(t.id, p, [...Array(t.ndim).keys()], false));
}
