// A flow-matching (rectified-flow) model seen as a variance-preserving ε-predictor, so DDIM(η) — DDPO's policy
// (arXiv 2305.13301, §4.2) — can sample it with the exact DDIM log-prob (generate/ddim-step.ts).
//
// Notation (flow → VP):
//   flow:  x_σ = (1−σ)·x₀ + σ·ε,  v = ε − x₀,  σ ∈ [0, 1]                    (DESIGN §3)
//   scale  s(σ) = √((1−σ)² + σ²)
//   VP:    z = x_σ / s = √ᾱ·x₀ + √(1−ᾱ)·ε  with  √ᾱ = (1−σ)/s,  √(1−ᾱ) = σ/s   (so ᾱ = (1−σ)²/((1−σ)² + σ²))
//   ε̂ = x_σ + (1−σ)·v̂ and x̂₀ = x_σ − σ·v̂  (both exact when v̂ = v).
// The map is a bijection of noise levels, so it is the same model under a change of variables (Kingma et al.,
// "Variational Diffusion Models", arXiv 2107.00630, §3: the schedule is a reparameterisation; Karras et al.,
// arXiv 2206.00364, Eq. 4 for scaled variables). Consequence used in the tests: DDIM with η = 0 on z, mapped back
// by x = s·z, IS the flow ODE's Euler step on the same σ grid:
//   s'·z' = (1−σ')·x̂₀ + σ'·ε̂ = x + (σ' − σ)·v̂.
//
// Integer timesteps: DDIM tables (ddimSchedule) index ᾱ by t ∈ {0, …, T−1}. Here t ↔ σ_t = (t+1)/(T+1), so the
// noisiest level is σ = T/(T+1) < 1: at σ = 1 (ᾱ = 0) DDIM's x̂₀ = (z − √(1−ᾱ)·ε̂)/√ᾱ is 0/0. The last DDIM step
// goes to ᾱ = 1 (σ = 0, `setAlphaToOne`), which is deterministic, as the flow samplers' last step.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { EpsilonModel, VelocityModel } from './types.js';

/** ᾱ(σ) = (1−σ)²/((1−σ)² + σ²): the VP signal level of the flow noise level σ. */
export function vpAlphaBarOfFlowSigma(sigma: number): number {
  const a = (1 - sigma) ** 2;
  return a / (a + sigma ** 2); // (1−σ)² / ((1−σ)² + σ²)
}

/** s(σ) = √((1−σ)² + σ²): x_σ = s·z. */
export function vpScaleOfFlowSigma(sigma: number): number {
  return Math.sqrt((1 - sigma) ** 2 + sigma ** 2);
}

/** The flow σ of DDIM timestep t over T training timesteps: σ_t = (t+1)/(T+1) ∈ (0, 1). */
export function flowSigmaOfTimestep(t: number, numTimesteps: number): number {
  return (t + 1) / (numTimesteps + 1);
}

/** ᾱ_t for t = 0..T−1 (what sampleDdim's `alphasCumprod` takes), increasing noise with t. */
export function flowVpAlphasCumprod(numTimesteps: number): number[] {
  if (!Number.isInteger(numTimesteps) || numTimesteps < 2) {
    throw new Error(`refract flowVpAlphasCumprod: numTimesteps must be an integer ≥ 2, got ${numTimesteps} — use 1000`);
  }
  return Array.from({ length: numTimesteps }, (_, t) => vpAlphaBarOfFlowSigma(flowSigmaOfTimestep(t, numTimesteps)));
}

/**
 * The ε-predictor on VP variables of a velocity model: (z [B, …], t [B] float timesteps, cond) → ε̂ [B, …], with
 * σ = (t+1)/(T+1), x = s(σ)·z, v̂ = velocity(x, σ, cond), ε̂ = x + (1−σ)·v̂. Linear in v̂, so classifier-free
 * guidance on ε̂ (guidedModel around this) equals guidance on v̂. Differentiable in the model's parameters.
 */
export function vpEpsilonModelOfFlow<C>(velocity: VelocityModel<C>, numTimesteps: number): EpsilonModel<C> {
  if (!Number.isInteger(numTimesteps) || numTimesteps < 2) {
    throw new Error(`refract vpEpsilonModelOfFlow: numTimesteps must be an integer ≥ 2, got ${numTimesteps} — use 1000`);
  }
  return (z: Tensor, t: Tensor, cond: C): Tensor =>
    torch.scope(() => {
      const sigma = t.to(z.dtype).add(1).div(numTimesteps + 1); // σ = (t+1)/(T+1)   [B]
      const col = sigma.reshape([sigma.numel(), ...z.shape.slice(1).map(() => 1)]); // [B,1,…]
      const oneMinus = col.rsub(1); // 1 − σ
      const scale = oneMinus.square().add(col.square()).sqrt(); // s = √((1−σ)² + σ²)
      const x = z.mul(scale); // x_σ = s·z
      const v = velocity(x, sigma, cond); // v̂(x_σ, σ)
      return x.add(v.mul(oneMinus)); // ε̂ = x_σ + (1−σ)·v̂
    });
}
