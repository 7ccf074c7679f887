// Log-density of a diagonal Gaussian transition x' ~ N(μ, s²·I), reduced per sample.
//
// Ported in idea from ddpo-pytorch (ddpo_pytorch/diffusers_patch/ddim_with_logprob.py) and flow_grpo
// (flow_grpo/diffusers_patch/sd3_sde_with_logprob.py), which both take the per-element mean over the non-batch dims.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { meanOverNonBatch, sumOverNonBatch } from './per-sample.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Element-wise log N(x'; μ, s²) = −(x'−μ)²/(2s²) − log s − log √(2π), shape [B, ...]. `value` is detached, as in
 * the references: the gradient flows through μ (and s), never through the recorded sample.
 * Finite only where s > 0 (a deterministic step has no density; samplers mark such steps non-stochastic).
 */
export function gaussianLogDensity(value: Tensor, mean: Tensor, std: Tensor): Tensor {
  return torch.scope(() => {
    const diff = value.detach().sub(mean); // x' − μ
    const quad = diff.square().div(std.square().mul(2)); // (x'−μ)² / (2s²)
    return quad.neg().sub(std.log()).sub(LOG_SQRT_2PI); // − … − log s − log √(2π)
  });
}

/** log p(x'|x) as the per-element mean over non-batch dims, [B] — the `logProb` every step returns. */
export function meanLogProb(value: Tensor, mean: Tensor, std: Tensor): Tensor {
  return torch.scope(() => meanOverNonBatch(gaussianLogDensity(value, mean, std)));
}

/** The true log-density of the whole latent, log p(x'|x) = Σ over non-batch dims, [B] (= meanLogProb · D). */
export function summedLogProb(value: Tensor, mean: Tensor, std: Tensor): Tensor {
  return torch.scope(() => sumOverNonBatch(gaussianLogDensity(value, mean, std)));
}
