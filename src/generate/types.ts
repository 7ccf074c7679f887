// Shared types of generate/: denoisers as interfaces, the result every sampler step returns.
import type { Tensor, Generator } from '../torch/index.js';

/**
 * A denoising network seen from the sampler: `(x [B, ...], time [B], cond) → output [B, ...]`. `C` is whatever
 * conditioning the network takes (token ids, embeddings, a class label tensor, ...); generate/ only batches it.
 */
export type Denoiser<C> = (x: Tensor, time: Tensor, cond: C) => Tensor;

/**
 * Flow-matching network: predicts the velocity v = ε − x₀ at x_σ = (1−σ)·x₀ + σ·ε. `time` holds σ ∈ [0, 1] per
 * sample, float [B] (not σ·1000: scale inside the network if it was trained that way).
 */
export type VelocityModel<C> = Denoiser<C>;

/**
 * Diffusion network (DDPM/DDIM): predicts ε (prediction 'epsilon') or v = √ᾱ·ε − √(1−ᾱ)·x₀ ('v_prediction') at
 * x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε. `time` holds the integer training timestep t per sample, as float [B].
 */
export type EpsilonModel<C> = Denoiser<C>;

export type PredictionType = 'epsilon' | 'v_prediction';

/** A noise level given once for the whole batch (a number) or per sample (a tensor of B elements). */
export type PerSample = number | Tensor;

/** One generator for the whole batch, or one per sample (so each sample's noise is reproducible on its own). */
export type NoiseSource = Generator | readonly Generator[];

/**
 * What every stochastic sampler step returns.
 * - `prevSample` x' [B, ...]: the drawn (or, in replay, the given) next latent.
 * - `logProb` [B]: log p(x' | x) as the per-element MEAN of the Gaussian log-density over the non-batch dims, as
 *   flow_grpo and ddpo-pytorch compute it (so their clip ranges carry over). Multiply by the element count, or
 *   use `summedLogProb`, for the true log-density of the whole latent.
 * - `prevSampleMean` μ [B, ...]: the mean of x' | x (what the KL to a reference compares).
 * - `stdDev` [B, 1, ...]: the std the reference implementation returns as `std_dev_t` (for the flow SDE that is
 *   a·√(σ/(1−σ)), WITHOUT the √(−dt) factor; for CPS and DDIM it is the transition std itself).
 * - `transitionStd` [B, 1, ...]: the actual standard deviation of x' | x, used in the log-density.
 */
export interface StepResult {
  prevSample: Tensor;
  logProb: Tensor;
  prevSampleMean: Tensor;
  stdDev: Tensor;
  transitionStd: Tensor;
}

/**
 * Watches a rollout: called at each step i with the step's prediction of the clean sample x̂₀ [B, ...] (from x_i
 * and the model output the step already computed — no extra network call, no noise drawn, so the rollout is bit
 * for bit the same with or without an observer). The tensor is freed when the call returns: copy out what you keep.
 */
export type PredictionObserver = (step: number, predictedX0: Tensor) => void;
