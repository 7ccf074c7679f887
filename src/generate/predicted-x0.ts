// The sampler's prediction of the clean sample x̂₀ at a step, from the model output the step already has — what a
// trajectory view shows (the image emerging across denoising steps). Pure functions; no network call, no noise.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { PerSample, PredictionType } from './types.js';
import { perSample } from './per-sample.js';
import { epsilonFromPrediction } from './ddim-step.js';

/**
 * Flow matching (x_σ = (1−σ)·x₀ + σ·ε, v = ε − x₀, DESIGN §3): x₀ = x_σ − σ·v, so x̂₀ = x − σ·v̂. At the last
 * step (σ' = 0) the Euler ODE step x' = x + v̂·(0 − σ) lands exactly on this x̂₀.
 */
export function flowPredictedX0(sample: Tensor, velocity: Tensor, sigma: PerSample): Tensor {
  return torch.scope(() => sample.sub(velocity.mul(perSample(sigma, sample, 'flowPredictedX0', 'sigma')))); // x − σ·v̂
}

/**
 * DDIM (Song et al., arXiv 2010.02502, Eq. 12): x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t, clamped to ±clipSample when the
 * sampler clamps it (as ddimStepMean does), with ε̂ from an ε- or v-prediction (epsilonFromPrediction).
 */
export function ddimPredictedX0(
  sample: Tensor,
  modelOutput: Tensor,
  alphaProdT: PerSample,
  prediction: PredictionType,
  clipSample: number | null,
): Tensor {
  return torch.scope(() => {
    const eps = epsilonFromPrediction(modelOutput, sample, alphaProdT, prediction); // ε̂
    const alphaT = perSample(alphaProdT, sample, 'ddimPredictedX0', 'alphaProdT'); // ᾱ_t [B,1,…]
    const x0 = sample.sub(eps.mul(alphaT.rsub(1).sqrt())).div(alphaT.sqrt()); // (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t
    return clipSample === null ? x0 : x0.clamp(-clipSample, clipSample);
  });
}
