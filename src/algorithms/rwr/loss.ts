// The per-sample terms of the RWR objective on one minibatch: the flow-matching loss of each sample at a noised
// time, and the anchor to the frozen reference at the same noised point.
//
//   x_σ = (1 − σ)·x₀ + σ·ε,  v = ε − x₀                                   (generate/flow-matching-loss.ts)
//   L_i = mean ‖v_θ(x_σ, σ, c) − v‖²                                     (the pretraining loss, per sample)
//   anchor_i = mean ‖v_θ(x_σ, σ, c) − v_ref(x_σ, σ, c)‖²
// Why this anchor, not β·(L_θ − L_ref): the loss difference is unbounded below and its gradient is just more
// weighted regression, so it anchors nothing. The squared velocity gap is ≥ 0, zero exactly at the reference, and
// is the KL between the policy's and the reference's SDE path measures up to the schedule's weight: for two
// diffusions sharing the diffusion coefficient g, KL = ½∫E‖Δdrift‖²/g² dt (Girsanov), and at a fixed σ the
// drifts of the flow SDE differ by a σ-dependent multiple of Δv (DESIGN §3, Flow-GRPO's mean). It is evaluated on
// the policy's own samples, as the KL of on-policy RL is.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { meanOverNonBatch, perSample, standardNormalLike, drawPerSample } from '../../generate/per-sample.js';
import type { VelocityModel } from '../../generate/types.js';

export interface RwrLossTerms {
  /** L_i, [n], with grad. */
  flowMatching: Tensor;
  /** anchor_i, [n], with grad through v_θ; null when no reference was given. */
  anchor: Tensor | null;
}

/** L_i and anchor_i at the given ε [n, …] and σ [n] (reference evaluated under noGrad). */
export function rwrLossTerms<C>(
  policy: VelocityModel<C>,
  reference: VelocityModel<C> | null,
  x0: Tensor,
  cond: C,
  noise: Tensor,
  sigma: Tensor,
): RwrLossTerms {
  return torch.scope(() => {
    const s = perSample(sigma, x0, 'rwrLossTerms', 'sigma'); // [n,1,…]
    const xSigma = x0.mul(s.rsub(1)).add(noise.mul(s)); // x_σ = (1−σ)·x₀ + σ·ε
    const target = noise.sub(x0); // v = ε − x₀
    const prediction = policy(xSigma, sigma, cond); // v_θ(x_σ, σ, c)
    const flowMatching = meanOverNonBatch(prediction.sub(target).square()); // L_i
    if (reference === null) return { flowMatching, anchor: null };
    const refPrediction = torch.noGrad(() => reference(xSigma, sigma, cond)); // v_ref(x_σ, σ, c)
    const anchor = meanOverNonBatch(prediction.sub(refPrediction).square()); // ‖v_θ − v_ref‖²
    return { flowMatching, anchor };
  });
}

/**
 * ε [n, …] then σ [n] from one generator per sample (the draw order of flowMatchingLoss), σ ~ U(0,1) or SD3's
 * logit-normal sigmoid(N(0,1)) (Esser et al., arXiv 2403.03206, §3.1) — as the base was pretrained.
 */
export function drawNoisedTimes(
  x0: Tensor,
  generators: readonly torch.Generator[],
  sigmaSampling: 'uniform' | 'logit_normal',
): { noise: Tensor; sigma: Tensor } {
  return torch.scope(() => {
    const noise = standardNormalLike(x0, generators, 'rwr'); // ε
    const n = x0.shape[0]!;
    const sigma =
      sigmaSampling === 'uniform'
        ? drawPerSample([n], generators, 'rwr', (shape, generator) => torch.rand(shape, { generator, dtype: x0.dtype }))
        : drawPerSample([n], generators, 'rwr', (shape, generator) => torch.randn(shape, { generator, dtype: x0.dtype })).sigmoid();
    return { noise, sigma };
  });
}
