// The clipped policy-gradient surrogate shared by GRPO (Flow-GRPO, arXiv 2505.05470, eq. 6–7) and DDPO
// (arXiv 2305.13301, §4.3, PPO's clip of Schulman et al. arXiv 1707.06347), per denoising step.
//
// Notation: logProbs = log p_θ(x_{t−1} | x_t, c) of the replayed steps [B, K]; oldLogProbs = the same under the
// policy that generated the rollout; A = advantages, [B] (broadcast over steps) or [B, K]; ε = clipRange.
//   ratio = exp(logp_θ − logp_old)
//   L = mean_{i,k} max(−A·ratio, −A·clip(ratio, 1−ε, 1+ε))
// Like flow_grpo and ddpo-pytorch, log-probs are per-element means over the latent (generate/'s convention), so
// their clip ranges (ε ~ 1e-4 for Flow-GRPO, 1e-4 in DDPO) carry over.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface ClippedPolicyLossInput {
  logProbs: Tensor;
  oldLogProbs: Tensor;
  advantages: Tensor;
  clipRange: number;
}

export interface ClippedPolicyLoss {
  /** Scalar loss to minimise. */
  loss: Tensor;
  /** exp(logp_θ − logp_old), [B, K] (detached). */
  ratio: Tensor;
  /** Fraction of (sample, step) terms where the clip was active. */
  clipFraction: number;
  /** ½·mean((logp_θ − logp_old)²): PPO's cheap KL(old‖θ) estimate, as ddpo-pytorch logs it. */
  approxKl: number;
}

export function clippedPolicyLoss(input: ClippedPolicyLossInput): ClippedPolicyLoss {
  const { logProbs, oldLogProbs, clipRange } = input;
  if (logProbs.ndim !== 2 || oldLogProbs.shape.join() !== logProbs.shape.join()) {
    throw new Error(
      `refract clippedPolicyLoss: logProbs and oldLogProbs must both be [B, K], got [${logProbs.shape}] and [${oldLogProbs.shape}]`,
    );
  }
  if (!(clipRange > 0)) throw new Error(`refract clippedPolicyLoss: clipRange must be > 0, got ${clipRange}`);
  return torch.scope(() => {
    const A = input.advantages.ndim === 1 ? input.advantages.unsqueeze(1) : input.advantages; // [B,1] or [B,K]
    const logRatio = logProbs.sub(oldLogProbs);
    const ratio = logRatio.exp(); // exp(logp_θ − logp_old)
    const unclipped = A.neg().mul(ratio); // −A·ratio
    const clipped = A.neg().mul(ratio.clamp(1 - clipRange, 1 + clipRange)); // −A·clip(ratio, 1−ε, 1+ε)
    const loss = unclipped.maximum(clipped).mean();
    const clipFraction = ratio.detach().sub(1).abs().gt(clipRange).float().mean().item();
    const approxKl = logRatio.detach().square().mean().item() / 2;
    return { loss, ratio: ratio.detach(), clipFraction, approxKl };
  });
}

export interface DenseClippedPolicyLossInput {
  /** Per-element log-densities ℓ_θ,e of the replayed transitions, [B, K, ...latent] (generate/gaussian-log-prob). */
  logDensities: Tensor;
  /** The same under the rollout policy (detached), same shape. */
  oldLogDensities: Tensor;
  /** Per-element advantages A_{i,e}, broadcastable to [B, 1, ...latent] without the step dim: [B, 1, H, W] etc. */
  advantages: Tensor;
  clipRange: number;
}

/**
 * The clipped surrogate with credit per element (credit/dense.ts): ratio_e = exp(ℓ_θ,e − ℓ_old,e) and
 *   L = mean_{i,k,e} max(−A_{i,e}·ratio_e, −A_{i,e}·clip(ratio_e, 1−ε, 1+ε)).
 * With A_{i,e} = A_i and ratio_e = 1 (first inner epoch) its gradient equals the scalar surrogate's, −A_i·∇mean_e ℓ_e:
 * the dense form only moves credit between pixels (or frames), it does not change the step size.
 */
export function denseClippedPolicyLoss(input: DenseClippedPolicyLossInput): Omit<ClippedPolicyLoss, 'ratio'> {
  const { logDensities, oldLogDensities, clipRange } = input;
  if (logDensities.ndim < 3 || oldLogDensities.shape.join() !== logDensities.shape.join()) {
    throw new Error(
      `refract denseClippedPolicyLoss: logDensities and oldLogDensities must both be [B, K, ...], got [${logDensities.shape}] and [${oldLogDensities.shape}]`,
    );
  }
  if (!(clipRange > 0)) throw new Error(`refract denseClippedPolicyLoss: clipRange must be > 0, got ${clipRange}`);
  return torch.scope(() => {
    const A = input.advantages.unsqueeze(1); // [B, 1(step), ...]
    const logRatio = logDensities.sub(oldLogDensities);
    const ratio = logRatio.exp();
    const unclipped = A.neg().mul(ratio);
    const clipped = A.neg().mul(ratio.clamp(1 - clipRange, 1 + clipRange));
    const loss = unclipped.maximum(clipped).mean();
    const clipFraction = ratio.detach().sub(1).abs().gt(clipRange).float().mean().item();
    const approxKl = logRatio.detach().square().mean().item() / 2;
    return { loss, clipFraction, approxKl };
  });
}
