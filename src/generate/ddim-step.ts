// One DDIM step (η-parameterised) with the log-density of the drawn sample, as DDPO samples its policy.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { NoiseSource, PerSample, PredictionType, StepResult } from './types.js';
import { perSample, standardNormalLike } from './per-sample.js';
import { meanLogProb } from './gaussian-log-prob.js';

export interface DdimStepInput {
  /** ε̂ = predicted noise at (x_t, t), [B, ...] (convert a v-prediction with `epsilonFromPrediction`). */
  epsilon: Tensor;
  /** x_t, [B, ...]. */
  sample: Tensor;
  /** ᾱ_t, a number or [B]. */
  alphaProdT: PerSample;
  /** ᾱ_{t−1} (the next, less noisy level), a number or [B]. */
  alphaProdTPrev: PerSample;
  /** η ≥ 0: 0 is deterministic DDIM, 1 the DDPM posterior variance. */
  eta: number;
  /** Clamp x̂₀ to [−clipSample, clipSample] (diffusers' clip_sample). Off by default, as DDPO's SD config. */
  clipSample?: number;
  /** Replay: the recorded x_{t−1}. No noise is drawn. */
  prevSample?: Tensor;
  generator?: NoiseSource;
}

/**
 * DDIM step (Song et al., arXiv 2010.02502, Eq. 12 for the update and Eq. 16 for σ_t(η)) as the policy of DDPO
 * (Black et al., arXiv 2305.13301, §4.2): x_{t−1} ~ N(μ, σ_t²) with
 *   x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t,  σ_t = η·√((1−ᾱ_{t−1})/(1−ᾱ_t))·√(1 − ᾱ_t/ᾱ_{t−1}),
 *   μ = √ᾱ_{t−1}·x̂₀ + √(1−ᾱ_{t−1}−σ_t²)·ε̂.
 * Reference: ddpo-pytorch, ddpo_pytorch/diffusers_patch/ddim_with_logprob.py. Differs: ᾱ values are arguments
 * (no scheduler, no hidden step index), and ε̂ is not re-derived from a clipped x̂₀ (its use_clipped_model_output
 * = False path).
 *
 * Notation (argument → paper): sample → x_t, epsilon → ε_θ(x_t, t), alphaProdT → α_t (DDIM's α is ᾱ),
 * alphaProdTPrev → α_{t−1}, eta → η, stdDev = transitionStd → σ_t(η).
 *
 * `logProb` is the per-element mean of the Gaussian log-density over the non-batch dims (as ddpo-pytorch);
 * it is finite only for σ_t > 0 (η > 0 and ᾱ_{t−1} < 1).
 */
export function ddimStepWithLogProb(input: DdimStepInput): StepResult {
  const fn = 'ddimStepWithLogProb';
  return torch.scope(() => {
    const { prevSampleMean, stdDev } = ddimStepMean(input); // μ, σ_t(η)
    const prevSample = input.prevSample
      ? input.prevSample.detach() // replay: the recorded x_{t−1}
      : prevSampleMean.add(standardNormalLike(input.sample, input.generator, fn).mul(stdDev)); // x_{t−1} = μ + σ_t·z
    const logProb = meanLogProb(prevSample, prevSampleMean, stdDev); // mean log N(x_{t−1}; μ, σ_t²)
    return { prevSample, logProb, prevSampleMean, stdDev, transitionStd: stdDev.clone() };
  });
}

/** The mean μ [B, ...] and std σ_t(η) [B, 1, ...] of a DDIM step, without drawing (see ddimStepWithLogProb). */
export function ddimStepMean(input: Omit<DdimStepInput, 'prevSample' | 'generator'>): {
  prevSampleMean: Tensor;
  stdDev: Tensor;
} {
  const { epsilon: eps, sample: x, eta } = input;
  const fn = 'ddimStepWithLogProb';
  return torch.scope(() => {
    const alphaT = perSample(input.alphaProdT, x, fn, 'alphaProdT'); // ᾱ_t  [B,1,…]
    const alphaPrev = perSample(input.alphaProdTPrev, x, fn, 'alphaProdTPrev'); // ᾱ_{t−1}
    const betaT = alphaT.rsub(1); // 1 − ᾱ_t
    const betaPrev = alphaPrev.rsub(1); // 1 − ᾱ_{t−1}
    let predX0 = x.sub(eps.mul(betaT.sqrt())).div(alphaT.sqrt()); // x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t   (Eq. 12)
    if (input.clipSample !== undefined) predX0 = predX0.clamp(-input.clipSample, input.clipSample); // optional clip
    const variance = betaPrev.div(betaT).mul(alphaT.div(alphaPrev).rsub(1)); // (1−ᾱ_{t−1})/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_{t−1})
    const stdDev = variance.sqrt().mul(eta); // σ_t(η) = η·√variance   (Eq. 16)
    const direction = eps.mul(betaPrev.sub(stdDev.square()).sqrt()); // √(1−ᾱ_{t−1}−σ_t²)·ε̂
    const prevSampleMean = predX0.mul(alphaPrev.sqrt()).add(direction); // μ = √ᾱ_{t−1}·x̂₀ + direction
    return { prevSampleMean, stdDev };
  });
}

/**
 * ε̂ from a network output: 'epsilon' returns it as is; 'v_prediction' (Salimans & Ho, arXiv 2202.00512, §4)
 * gives ε̂ = √ᾱ_t·v̂ + √(1−ᾱ_t)·x_t — with which DDIM's x̂₀ equals √ᾱ_t·x_t − √(1−ᾱ_t)·v̂, as in diffusers.
 */
export function epsilonFromPrediction(
  output: Tensor,
  sample: Tensor,
  alphaProdT: PerSample,
  prediction: PredictionType,
): Tensor {
  if (prediction === 'epsilon') return output;
  return torch.scope(() => {
    const alphaT = perSample(alphaProdT, sample, 'epsilonFromPrediction', 'alphaProdT'); // ᾱ_t
    return output.mul(alphaT.sqrt()).add(sample.mul(alphaT.rsub(1).sqrt())); // √ᾱ·v̂ + √(1−ᾱ)·x
  });
}
