// Classifier-free guidance: combine conditional and unconditional predictions, and a model wrapper that runs
// both in one batched forward.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Denoiser } from './types.js';
import { defaultConditioningOps, type ConditioningOps } from './conditioning.js';

/**
 * Classifier-free guidance (Ho & Salimans, arXiv 2207.12598, Eq. 6, written as in diffusers):
 * ŷ = ŷ_uncond + w·(ŷ_cond − ŷ_uncond). w = 1 is the conditional model; w = 0 the unconditional one.
 * Works for any prediction (velocity, ε, v) since it is linear.
 */
export function cfg(uncond: Tensor, cond: Tensor, scale: number): Tensor {
  return torch.scope(() => uncond.add(cond.sub(uncond).mul(scale))); // ŷ_u + w·(ŷ_c − ŷ_u)
}

export interface GuidedModelOptions<C> {
  /** Unconditional (null-prompt) conditioning for the same B samples as `cond`. */
  uncond: C;
  /** Guidance scale w. At w = 1 the model is called once, on `cond` only. */
  scale: number;
  /** How to concatenate conditionings; default: Tensor leaves along dim 0. */
  ops?: ConditioningOps<C>;
}

/**
 * Wraps a denoiser so it returns the guided prediction: one forward on [x; x] with [uncond; cond] (as
 * diffusers' pipelines batch it), then `cfg`. The wrapped model has the denoiser's signature, so samplers and
 * replay treat guided and unguided models alike.
 */
export function guidedModel<C>(model: Denoiser<C>, opts: GuidedModelOptions<C>): Denoiser<C> {
  const ops = opts.ops ?? defaultConditioningOps<C>();
  if (opts.scale === 1) return model;
  return (x: Tensor, time: Tensor, cond: C): Tensor =>
    torch.scope(() => {
      const both = model(torch.cat([x, x], 0), torch.cat([time, time], 0), ops.cat([opts.uncond, cond])); // [2B, …]
      const [u, c] = both.chunk(2, 0); // ŷ_uncond, ŷ_cond
      return cfg(u!, c!, opts.scale);
    });
}
