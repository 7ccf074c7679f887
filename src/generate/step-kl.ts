// Per-step KL between the policy's and the reference's Gaussian transitions, as flow_grpo penalises it.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { meanOverNonBatch, perSample } from './per-sample.js';
import type { PerSample } from './types.js';

/**
 * KL(π_θ(·|x) ‖ π_ref(·|x)) for one sampler step, per sample [B]:
 *   mean over non-batch dims of (μ_θ − μ_ref)² / (2·std²).
 * For two Gaussians of equal variance s² the exact per-element KL is (Δμ)²/(2s²). flow_grpo (scripts/train_sd3.py,
 * `kl_loss`) passes its `std_dev_t` — for the flow SDE that is a·√(σ/(1−σ)), NOT the transition std
 * std·√(−dt) — so its value is the exact KL times (−dt). We keep that convention so β carries over: pass
 * `StepResult.stdDev` for flow_grpo's number, or `transitionStd` for the exact per-element KL. For CPS and DDIM the
 * two are the same. `stdDev` is a number or has B elements ([B] or [B, 1, ...]).
 */
export function stepKl(meanTheta: Tensor, meanRef: Tensor, stdDev: PerSample): Tensor {
  return torch.scope(() => {
    const std = perSample(stdDev, meanTheta, 'stepKl', 'stdDev'); // [B,1,…]
    const perElement = meanTheta.sub(meanRef).square().div(std.square().mul(2)); // (μ_θ − μ_ref)² / (2·std²)
    return meanOverNonBatch(perElement); // mean over non-batch dims → [B]
  });
}
