// One deterministic Euler step of the flow-matching ODE dx/dσ = v.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { PerSample } from './types.js';
import { perSample } from './per-sample.js';

export interface OdeStepInput {
  /** v̂ = model velocity at (x, σ), [B, ...]. */
  velocity: Tensor;
  /** x_σ, [B, ...]. */
  sample: Tensor;
  /** σ, a number or [B]. */
  sigma: PerSample;
  /** σ', a number or [B]. */
  sigmaNext: PerSample;
}

/**
 * Euler step of the probability-flow ODE of rectified flow (Lipman et al., arXiv 2210.02747; Esser et al. SD3,
 * arXiv 2403.03206): x' = x + (σ' − σ)·v̂. Reference: diffusers
 * src/diffusers/schedulers/scheduling_flow_match_euler_discrete.py (`step`), without its hidden step index.
 *
 * Notation: sample → x_σ, velocity → v_θ(x_σ, σ), sigmaNext → σ', dt = σ' − σ.
 * Returns x' [B, ...]; there is no log-probability (the step is deterministic).
 */
export function odeEulerStep(input: OdeStepInput): Tensor {
  const { velocity: v, sample: x } = input;
  return torch.scope(() => {
    const sigma = perSample(input.sigma, x, 'odeEulerStep', 'sigma'); // σ  [B,1,…]
    const sigmaNext = perSample(input.sigmaNext, x, 'odeEulerStep', 'sigmaNext'); // σ'
    const dt = sigmaNext.sub(sigma); // dt = σ' − σ
    return x.add(v.mul(dt)); // x' = x + v̂·dt
  });
}
