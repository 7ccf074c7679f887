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
