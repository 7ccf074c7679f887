// The Advantage Weighted Matching objective at forward-noised points of the policy's own samples (Xue et al.,
// "Advantage Weighted Matching: Aligning RL with Pretraining in Diffusion Models", arXiv 2509.25050: the
// pretraining flow-matching loss, weighted per sample by its advantage, with KL regularisers; the form implemented
// is the authors' training loop, scxue/advantage_weighted_matching scripts/train_sd3_awm.py, compute_log_prob_awm
// and the policy-loss block — ported in idea, not copied).
//
// Notation (per point p; DESIGN §3's flow convention): x_t = (1 − t)·x₀ + t·ε, v = ε − x₀ (the flow-matching target),
// vTheta → v_θ(x_t, t, c) (with grad), vRef / vEma → the frozen reference's / the EMA copy's velocity (no grad),
// advantage → A_p (already clipped and scaled, awmAdvantages), oldLogProb → ℓ_old (no grad), clipRange → ε_clip.
//
//   e_p   = mean((v_θ − v)²)                                     (the pretraining loss of the point)
//   ℓ_p   = −e_p                 ('uniform')                       (a log-likelihood surrogate: the flow-matching
//         = −t·e_p               ('t')                               ELBO up to constants and weighting)
//         = −t·((e_p + δ)^q − δ^q)/q, δ = 1e−10   ('ghuber', power q)
//   ρ_p   = exp(ℓ_p − ℓ_old,p)     (ℓ_old = sg(ℓ_p) when not given: the first pass, θ = θ_old, ρ = 1 exactly)
//   J_p   = max(−A_p·ρ_p, −A_p·clip(ρ_p, 1 − ε_clip, 1 + ε_clip))          (PPO's clipped surrogate)
//   loss_p = J_p + β_ref·mean((v_θ − v_ref)²) + β_ema·mean((v_θ − v_ema)²)
//   loss  = mean_p loss_p
// At ρ = 1 the gradient of J_p is −A_p·∇ℓ_p = A_p·∇e_p ('uniform'): the flow-matching loss weighted by the advantage,
// the paper's objective; the ratio and clip only act when one batch is reused for several optimizer steps.
// What differs from the repo: e is computed in the model's dtype (theirs float64).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { meanOverNonBatch } from '../../generate/per-sample.js';

export type AwmWeighting = 'uniform' | 't' | 'ghuber';

export interface AwmLossInput {
  vTheta: Tensor;
  /** ε − x₀, [N, …]. */
  target: Tensor;
  /** t, [N]. */
  t: Tensor;
  /** A_p, [N]. */
  advantage: Tensor;
  /** ℓ_old, [N]; absent: sg(ℓ_θ) (ratio 1). */
  oldLogProb?: Tensor;
  clipRange: number;
  weighting: AwmWeighting;
  /** q of 'ghuber'. */
  ghuberPower?: number;
  vRef?: Tensor;
  klCoefficient?: number;
  vEma?: Tensor;
  emaKlCoefficient?: number;
}

export interface AwmLoss {
  /** mean_p loss_p, a scalar with grad. */
  loss: Tensor;
  /** loss_p, [N], with grad. */
  perPoint: Tensor;
  /** e_p, [N] (detached). */
  flowMatching: Tensor;
  /** ℓ_p, [N] (detached): the next epochs' ℓ_old. */
  logProb: Tensor;
  /** ρ_p, [N] (detached). */
  ratio: Tensor;
  /** mean((v_θ − v_ref)²) and mean((v_θ − v_ema)²) per point, [N] (detached; null when not given). */
  klReference: Tensor | null;
  klEma: Tensor | null;
}

/** A = clip(Â, −c, c)·(max/c) (the authors' adv_clip_max and advantage_max). */
export function awmAdvantages(advantages: Tensor, clip: number, max: number): Tensor {
  if (!(clip > 0) || !(max > 0)) {
    throw new Error(`refract train: awm.advantageClip and awm.advantageMax must be > 0, got ${clip} and ${max} — the authors use 5 and 1`);
  }
  return torch.scope(() => advantages.clamp(-clip, clip).mul(max / clip));
}

/** ℓ_p of the per-point error e [N] at times t [N]. */
export function awmLogProb(e: Tensor, t: Tensor, weighting: AwmWeighting, power = 0.25): Tensor {
  if (weighting === 'uniform') return e.neg(); // −e
  if (weighting === 't') return e.mul(t).neg(); // −t·e
  const delta = 1e-10;
  return torch.scope(() => e.add(delta).pow(power).sub(delta ** power).mul(t).div(power).neg()); // −t·((e + δ)^q − δ^q)/q
}

export function awmLoss(i: AwmLossInput): AwmLoss {
  return torch.scope(() => {
    const t = i.t.to(i.vTheta.dtype);
    const e = meanOverNonBatch(i.vTheta.sub(i.target).square()); // e = mean((v_θ − v)²)
    const logProb = awmLogProb(e, t, i.weighting, i.ghuberPower); // ℓ_θ
    const old = i.oldLogProb === undefined ? logProb.detach() : i.oldLogProb.to(logProb.dtype);
    const ratio = logProb.sub(old).exp(); // ρ = exp(ℓ_θ − ℓ_old)
    const a = i.advantage.to(logProb.dtype);
    const unclipped = a.neg().mul(ratio); // −A·ρ
    const clipped = a.neg().mul(ratio.clamp(1 - i.clipRange, 1 + i.clipRange)); // −A·clip(ρ, 1 ± ε)
    let perPoint = unclipped.maximum(clipped); // J
    const klReference = i.vRef === undefined ? null : meanOverNonBatch(i.vTheta.sub(i.vRef.detach()).square());
    const klEma = i.vEma === undefined ? null : meanOverNonBatch(i.vTheta.sub(i.vEma.detach()).square());
    if (klReference !== null && (i.klCoefficient ?? 0) > 0) perPoint = perPoint.add(klReference.mul(i.klCoefficient!)); // + β_ref·KL_ref
    if (klEma !== null && (i.emaKlCoefficient ?? 0) > 0) perPoint = perPoint.add(klEma.mul(i.emaKlCoefficient!)); // + β_ema·KL_ema
    return {
      loss: perPoint.mean(),
      perPoint,
      flowMatching: e.detach(),
      logProb: logProb.detach(),
      ratio: ratio.detach(),
      klReference: klReference?.detach() ?? null,
      klEma: klEma?.detach() ?? null,
    };
  });
}
