// The DiffusionNFT objective at forward-noised points of the old policy's clean samples (Zheng et al.,
// "DiffusionNFT: Online Diffusion Reinforcement with Forward Process", arXiv 2509.16117: the negative-aware
// flow-matching loss with implicit positive and negative policies; the form implemented is the authors' training
// loop in NVlabs/DiffusionNFT scripts/train_nft_sd3.py — ported in idea, not copied).
//
// Notation (per point p, the flow convention of DESIGN §3):
//   x0 → x₀ (a clean sample of the old policy), xt → x_t = (1 − t)·x₀ + t·ε, t → t = σ,
//   vTheta → v_θ(x_t, t, c) (with grad), vOld → v_old(x_t, t, c) (the old/EMA policy, no grad),
//   vRef → v_ref (the frozen reference, no grad), beta → β, clip → c, r → r ∈ [0, 1] (optimality probability).
//
//   r   = clip(clip(A, −c, c)/(2c) + ½, 0, 1)                                 (optimalityProbability)
//   v⁺  = β·v_θ + (1 − β)·v_old                     (implicit positive policy)
//   v⁻  = (1 + β)·v_old − β·v_θ                      (implicit negative policy: v_old reflected through v⁺)
//   x̂₀^± = x_t − t·v^±                              (the x₀ each one predicts)
//   w^±  = sg(max(mean|x̂₀^± − x₀|, 1e−5))          (adaptive weight; the authors compute it in float64)
//   L^±  = mean((x̂₀^± − x₀)²) / w^±
//   ℓ_p  = (c/β)·[r·L⁺ + (1 − r)·L⁻] + κ·mean((v_θ − v_ref)²)
//   loss = mean_p ℓ_p
// Since x_t − x₀ = t·(ε − x₀), x̂₀^± − x₀ = t·(v − v^±) with v = ε − x₀: L^± is the flow-matching error of the
// implicit policy, weighted by t² and normalised by its own size. Means are over the non-batch dims, as in the repo.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { meanOverNonBatch, perSample } from '../../generate/per-sample.js';

export interface NftLossInput {
  x0: Tensor;
  xt: Tensor;
  /** t, [N]. */
  t: Tensor;
  vTheta: Tensor;
  vOld: Tensor;
  /** r, [N]. */
  r: Tensor;
  beta: number;
  /** c, the advantage clip (it scales the loss as c/β). */
  clip: number;
  /** The reference's velocity; with klCoefficient > 0 the KL term is added. */
  vRef?: Tensor;
  klCoefficient?: number;
}

export interface NftLoss {
  /** mean_p ℓ_p, a scalar with grad. */
  loss: Tensor;
  /** ℓ_p, [N], with grad. */
  perPoint: Tensor;
  /** L⁺ and L⁻ per point, [N]. */
  positive: Tensor;
  negative: Tensor;
  /** mean((v_θ − v_ref)²) per point, [N] (null without vRef). */
  kl: Tensor | null;
}

/** r = clip(clip(A, −c, c)/(2c) + ½, 0, 1): A = −c → 0, A = 0 → ½, A = c → 1. */
export function optimalityProbability(advantages: Tensor, clip: number): Tensor {
  if (!(clip > 0)) throw new Error(`refract train: nft.advantageClip must be > 0, got ${clip} — the authors use 5`);
  return torch.scope(() => advantages.clamp(-clip, clip).div(2 * clip).add(0.5).clamp(0, 1));
}

export function nftLoss(i: NftLossInput): NftLoss {
  if (!(i.beta > 0)) throw new Error(`refract train: nft.beta must be > 0, got ${i.beta} — the authors use 1 (0.1 for OCR)`);
  return torch.scope(() => {
    const t = perSample(i.t, i.x0, 'nftLoss', 't'); // [N, 1, …]
    const vOld = i.vOld.detach();
    const vPos = i.vTheta.mul(i.beta).add(vOld.mul(1 - i.beta)); // v⁺ = β·v_θ + (1 − β)·v_old
    const vNeg = vOld.mul(1 + i.beta).sub(i.vTheta.mul(i.beta)); // v⁻ = (1 + β)·v_old − β·v_θ
    const positive = adaptiveError(i.xt.sub(t.mul(vPos)), i.x0); // L⁺ with x̂₀⁺ = x_t − t·v⁺
    const negative = adaptiveError(i.xt.sub(t.mul(vNeg)), i.x0); // L⁻ with x̂₀⁻ = x_t − t·v⁻
    const r = i.r.to(i.x0.dtype);
    const policy = r.mul(positive).add(r.rsub(1).mul(negative)).mul(i.clip / i.beta); // (c/β)·[r·L⁺ + (1 − r)·L⁻]
    const kl = i.vRef === undefined ? null : meanOverNonBatch(i.vTheta.sub(i.vRef.detach()).square()); // mean (v_θ − v_ref)²
    const k = i.klCoefficient ?? 0;
    const perPoint = kl !== null && k > 0 ? policy.add(kl.mul(k)) : policy;
    return { loss: perPoint.mean(), perPoint, positive, negative, kl };
  });
}

/** mean((x̂₀ − x₀)²) / sg(max(mean|x̂₀ − x₀|, 1e−5)), per point [N]; the weight in float64 as the authors'. */
function adaptiveError(x0Hat: Tensor, x0: Tensor): Tensor {
  const weight = torch.noGrad(() => {
    const d64 = x0Hat.detach().to('float64').sub(x0.detach().to('float64'));
    return meanOverNonBatch(d64.abs()).clamp(1e-5).to(x0.dtype); // w = sg(max(mean|x̂₀ − x₀|, 1e−5))
  });
  return meanOverNonBatch(x0Hat.sub(x0).square()).div(weight); // mean((x̂₀ − x₀)²)/w
}
