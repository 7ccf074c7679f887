// Step i of a flow sampler as configured: the SDE, CPS or ODE step, in one place for rollout and replay.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { NoiseSource, PerSample, StepResult } from './types.js';
import type { FlowSamplerConfig } from './trajectory.js';
import { sdeStepWithLogProb } from './sde-step.js';
import { cpsStepWithLogProb } from './cps-step.js';
import { odeEulerStep } from './ode-step.js';

/**
 * Whether step i (σ_i → σ_{i+1}) of a flow sampler draws noise: inside the SDE window, not 'ode', with a
 * positive transition std (CPS's std σ'·sin(aπ/2) is 0 at σ' = 0, where CPS equals the ODE step; a = 0 is the
 * ODE everywhere).
 */
export function isFlowStepStochastic(config: FlowSamplerConfig, i: number, sigmaNext: number): boolean {
  const [start, end] = config.sdeWindow;
  if (config.sde === 'ode' || i < start || i >= end || config.noiseLevel === 0) return false;
  return !(config.sde === 'cps' && sigmaNext === 0);
}

export interface FlowTransitionInput {
  config: FlowSamplerConfig;
  stochastic: boolean;
  velocity: Tensor;
  sample: Tensor;
  sigma: PerSample;
  sigmaNext: PerSample;
  sigmaMax: number;
  prevSample?: Tensor;
  generator?: NoiseSource;
}

/** The configured step; a deterministic step reports logProb = 0, std = 0 and mean = the next latent. */
export function flowTransition(input: FlowTransitionInput): StepResult {
  const { config, velocity, sample, sigma, sigmaNext } = input;
  if (input.stochastic && config.sde === 'flow_sde') {
    return sdeStepWithLogProb({ ...input, noiseLevel: config.noiseLevel });
  }
  if (input.stochastic && config.sde === 'cps') {
    return cpsStepWithLogProb({ ...input, noiseLevel: config.noiseLevel, logProbForm: config.cpsLogProbForm });
  }
  return torch.scope(() => {
    const next = odeEulerStep({ velocity, sample, sigma, sigmaNext }); // x' = x + v̂·dt
    const B = sample.shape[0]!;
    const zerosStd = torch.zeros([B, ...sample.shape.slice(1).map(() => 1)], { dtype: sample.dtype });
    return {
      prevSample: next,
      logProb: torch.zeros([B], { dtype: sample.dtype }),
      prevSampleMean: next.clone(),
      stdDev: zerosStd,
      transitionStd: zerosStd.clone(),
    };
  });
}
