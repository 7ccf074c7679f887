// One reverse step of Flow-GRPO's flow SDE, with the exact log-density of the drawn sample.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { NoiseSource, PerSample, StepResult } from './types.js';
import { perSample, standardNormalLike } from './per-sample.js';
import { meanLogProb } from './gaussian-log-prob.js';

export interface SdeStepInput {
  /** v̂ = model velocity at (x, σ), [B, ...] (after guidance). */
  velocity: Tensor;
  /** x_σ, [B, ...]. */
  sample: Tensor;
  /** σ (current level), a number or [B]. */
  sigma: PerSample;
  /** σ' < σ (next level), a number or [B]. */
  sigmaNext: PerSample;
  /** The first sigma below 1 of the schedule: stands in for σ in 1/(1−σ) when σ = 1. */
  sigmaMax: number;
  /** a, the noise level (Flow-GRPO uses 0.7). */
  noiseLevel: number;
  /** Replay: the recorded x'. No noise is drawn; the log-density of this sample is returned. */
  prevSample?: Tensor;
  generator?: NoiseSource;
}

/**
 * Flow-GRPO's SDE step (Liu et al., "Flow-GRPO", arXiv 2505.05470, Eq. 9 and the Gaussian policy of §4.1).
 * The ODE dx = v dσ is turned into an SDE with the same marginals; its Euler–Maruyama step from σ to σ' is
 * a Gaussian whose mean and std follow. Reference: flow_grpo, flow_grpo/diffusers_patch/sd3_sde_with_logprob.py
 * (`sde_type == 'sde'`). Differs from it only in taking σ, σ' directly instead of a scheduler and timestep.
 *
 * Notation (argument → paper):
 * - sample → x_t, velocity → v_θ(x_t, t), sigma → σ_t (= t), sigmaNext → σ_{t−1}, noiseLevel → a
 * - dt = σ' − σ < 0, stdDev → σ_t^SDE / √|dt| = a·√(σ/(1−σ)) (flow_grpo's `std_dev_t`)
 * - transitionStd → std_dev_t·√(−dt), the std of x' | x
 *
 * `logProb` is the per-element mean of the Gaussian log-density over the non-batch dims (as the reference).
 * Computed in the dtype of `sample` (flow_grpo upcasts bf16 to fp32: pass float32 tensors for the same effect).
 */
export function sdeStepWithLogProb(input: SdeStepInput): StepResult {
  const { velocity: v, sample: x, noiseLevel: a, sigmaMax } = input;
  const fn = 'sdeStepWithLogProb';
  return torch.scope(() => {
    const sigma = perSample(input.sigma, x, fn, 'sigma'); // σ  [B,1,…]
    const sigmaNext = perSample(input.sigmaNext, x, fn, 'sigmaNext'); // σ'
    const dt = sigmaNext.sub(sigma); // dt = σ' − σ  (< 0)
    const denomSigma = torch.where(sigma.eq(1), sigmaMax, sigma); // σ, with σ=1 → sigmaMax
    const stdDev = sigma.div(denomSigma.rsub(1)).sqrt().mul(a); // std = a·√(σ/(1−σ))
    const variance = stdDev.square(); // std²
    const twoSigma = sigma.mul(2); // 2σ
    const xCoef = variance.mul(dt).div(twoSigma).add(1); // 1 + std²·dt/(2σ)
    const vCoef = variance.mul(sigma.rsub(1)).div(twoSigma).add(1).mul(dt); // (1 + std²·(1−σ)/(2σ))·dt
    const prevSampleMean = x.mul(xCoef).add(v.mul(vCoef)); // μ = x·(…) + v·(…)·dt
    const transitionStd = stdDev.mul(dt.neg().sqrt()); // std·√(−dt)
    const prevSample = input.prevSample
      ? input.prevSample.detach() // replay: the recorded x' (a new handle on the same data)
      : prevSampleMean.add(standardNormalLike(x, input.generator, fn).mul(transitionStd)); // x' = μ + std·√(−dt)·z
    const logProb = meanLogProb(prevSample, prevSampleMean, transitionStd); // mean log N(x'; μ, std²·(−dt))
    return { prevSample, logProb, prevSampleMean, stdDev, transitionStd };
  });
}
