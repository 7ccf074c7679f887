// Step i of a DDIM sampler as configured, for rollout and replay alike.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { NoiseSource, PerSample, StepResult } from './types.js';
import type { DdimSamplerConfig } from './trajectory.js';
import { ddimStepMean, ddimStepWithLogProb, epsilonFromPrediction } from './ddim-step.js';

/**
 * A DDIM step draws noise when σ_t(η) > 0: η > 0, the next level is not noise-free (ᾱ_{t−1} < 1) and is less
 * noisy than this one (ᾱ_{t−1} > ᾱ_t). The last step of 'leading' spacing without an offset goes from t = 0 to
 * ᾱ_final = ᾱ_0 — the same level — so it is deterministic (Stable Diffusion's steps_offset = 1 avoids that).
 */
export function isDdimStepStochastic(config: DdimSamplerConfig, alphaProdT: number, alphaProdTPrev: number): boolean {
  return config.eta > 0 && alphaProdTPrev < 1 && alphaProdTPrev > alphaProdT;
}

export interface DdimTransitionInput {
  config: DdimSamplerConfig;
  stochastic: boolean;
  /** The network output (ε̂ or v̂ per config.prediction), after guidance. */
  modelOutput: Tensor;
  sample: Tensor;
  alphaProdT: PerSample;
  alphaProdTPrev: PerSample;
  prevSample?: Tensor;
  generator?: NoiseSource;
}

/** The configured DDIM step; a deterministic step (σ_t = 0) reports logProb = 0 and draws nothing. */
export function ddimTransition(input: DdimTransitionInput): StepResult {
  const { config, sample, alphaProdT, alphaProdTPrev } = input;
  return torch.scope(() => {
    const epsilon = epsilonFromPrediction(input.modelOutput, sample, alphaProdT, config.prediction); // ε̂
    const clipSample = config.clipSample ?? undefined;
    if (input.stochastic) {
      const { prevSample, generator } = input;
      return ddimStepWithLogProb({
        epsilon,
        sample,
        alphaProdT,
        alphaProdTPrev,
        eta: config.eta,
        clipSample,
        prevSample,
        generator,
      });
    }
    const { prevSampleMean, stdDev } = ddimStepMean({
      epsilon,
      sample,
      alphaProdT,
      alphaProdTPrev,
      eta: 0,
      clipSample,
    });
    const B = sample.shape[0]!;
    const logProb = torch.zeros([B], { dtype: sample.dtype });
    return { prevSample: prevSampleMean.clone(), logProb, prevSampleMean, stdDev, transitionStd: stdDev.clone() }; // x' = μ
  });
}
