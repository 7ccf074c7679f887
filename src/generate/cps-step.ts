// One reverse step of Coefficients-Preserving Sampling (CPS) for flow matching, with its log-density.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { NoiseSource, PerSample, StepResult } from './types.js';
import { perSample, standardNormalLike, meanOverNonBatch } from './per-sample.js';
import { meanLogProb } from './gaussian-log-prob.js';

export interface CpsStepInput {
  /** v̂ = model velocity at (x, σ), [B, ...]. */
  velocity: Tensor;
  /** x_σ, [B, ...]. */
  sample: Tensor;
  /** σ, a number or [B]. */
  sigma: PerSample;
  /** σ' < σ, a number or [B]. Must be > 0 for a finite log-density (at σ' = 0 the step is the ODE step). */
  sigmaNext: PerSample;
  /** a ∈ [0, 1]: the fraction of the next level's noise that is fresh noise (angle a·π/2). */
  noiseLevel: number;
  /** Replay: the recorded x'. No noise is drawn. */
  prevSample?: Tensor;
  generator?: NoiseSource;
  /**
   * 'gaussian' (default): the exact log N(x'; μ, s²), per-element mean. 'unnormalized': flow_grpo's CPS surrogate
   * −(x'−μ)² (constants and the 1/(2s²) scale dropped), per-element mean — its ratios differ from the exact ones.
   */
  logProbForm?: 'gaussian' | 'unnormalized';
}

/**
 * CPS step (Wang & Yu, "Coefficients-Preserving Sampling for Reinforcement Learning with Flow Matching",
 * arXiv 2509.05952, §3): predict x̂₀ and x̂₁ from v̂, then re-noise to level σ' so that the coefficients of x₀ and
 * of the total noise stay exactly (1−σ', σ'): x' = (1−σ')·x̂₀ + √(σ'² − s²)·x̂₁ + s·z with s = σ'·sin(a·π/2).
 * Reference: flow_grpo, flow_grpo/diffusers_patch/sd3_sde_with_logprob.py (`sde_type == 'cps'`), and the
 * authors' IamCreateAI/FlowCPS. Differs: σ, σ' are arguments, and the log-density is exact by default (the
 * references drop constants and the variance: see `logProbForm`).
 *
 * Notation (argument → paper):
 * - sample → x_t, velocity → v_θ, sigma → σ_t, sigmaNext → σ_{t−1}, noiseLevel → the angle fraction
 * - stdDev = transitionStd → σ_t^CPS = σ'·sin(a·π/2) (the std of x' | x; no √dt factor in CPS)
 * - x̂₀ = x − σ·v̂ (predicted data), x̂₁ = x + (1−σ)·v̂ (predicted noise)
 *
 * `logProb` is the per-element mean over the non-batch dims.
 */
export function cpsStepWithLogProb(input: CpsStepInput): StepResult {
  const { velocity: v, sample: x, noiseLevel: a } = input;
  const fn = 'cpsStepWithLogProb';
  return torch.scope(() => {
    const sigma = perSample(input.sigma, x, fn, 'sigma'); // σ  [B,1,…]
    const sigmaNext = perSample(input.sigmaNext, x, fn, 'sigmaNext'); // σ'
    const stdDev = sigmaNext.mul(Math.sin((a * Math.PI) / 2)); // s = σ'·sin(aπ/2)
    const predX0 = x.sub(v.mul(sigma)); // x̂₀ = x − σ·v̂
    const predX1 = x.add(v.mul(sigma.rsub(1))); // x̂₁ = x + (1−σ)·v̂
    const noiseCoef = sigmaNext.square().sub(stdDev.square()).sqrt(); // √(σ'² − s²)
    const prevSampleMean = predX0.mul(sigmaNext.rsub(1)).add(predX1.mul(noiseCoef)); // μ = (1−σ')·x̂₀ + √(σ'²−s²)·x̂₁
    const prevSample = input.prevSample
      ? input.prevSample.detach() // replay: the recorded x'
      : prevSampleMean.add(standardNormalLike(x, input.generator, fn).mul(stdDev)); // x' = μ + s·z
    const logProb =
      input.logProbForm === 'unnormalized'
        ? meanOverNonBatch(prevSample.detach().sub(prevSampleMean).square().neg()) // mean −(x'−μ)²  (flow_grpo)
        : meanLogProb(prevSample, prevSampleMean, stdDev); // mean log N(x'; μ, s²)
    return { prevSample, logProb, prevSampleMean, stdDev, transitionStd: stdDev.clone() };
  });
}
