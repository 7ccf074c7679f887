// The flow-matching (rectified flow) training loss, per sample — the base loss of SFT, RWR and Diffusion-DPO.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { NoiseSource, VelocityModel } from './types.js';
import { drawPerSample, meanOverNonBatch, perSample, standardNormalLike } from './per-sample.js';

export interface FlowMatchingLossOptions {
  /** Source of ε and σ; one per sample makes each sample's draw independent of the batch. */
  generator?: NoiseSource;
  /** How σ is drawn when not given: U(0, 1) (default) or SD3's logit-normal σ = sigmoid(m + s·n). */
  sigmaSampling?: 'uniform' | 'logit_normal';
  /** m of the logit-normal (SD3 uses 0). */
  logitMean?: number;
  /** s of the logit-normal (SD3 uses 1). */
  logitStd?: number;
  /** Fixed σ per sample [B] (e.g. shared between winner and loser in Diffusion-DPO). */
  sigma?: Tensor;
  /** Fixed ε [B, ...] (e.g. shared between policy and reference). */
  noise?: Tensor;
}

export interface DenoisingLoss {
  /** Mean of `perSample`, a scalar. */
  loss: Tensor;
  /** ‖prediction − target‖² averaged over non-batch dims, [B]. */
  perSample: Tensor;
  /** The noise level used, [B] (σ for flow matching, the timestep t for DDPM). */
  time: Tensor;
  /** The ε used, [B, ...]. */
  noise: Tensor;
}

/**
 * Conditional flow matching with the rectified-flow path (Lipman et al., arXiv 2210.02747; Liu et al.,
 * arXiv 2209.03003; as trained in SD3, Esser et al., arXiv 2403.03206, §2–3):
 *   x_σ = (1 − σ)·x₀ + σ·ε,  target v = ε − x₀,  L = mean ‖v_θ(x_σ, σ, c) − v‖².
 * Notation: x0 → x₀ (data), noise → ε ~ N(0, I), sigma → σ = t. Gradients flow into the model only.
 * Draw order with a generator: ε first, then σ.
 */
export function flowMatchingLoss<C>(
  model: VelocityModel<C>,
  x0: Tensor,
  cond: C,
  opts: FlowMatchingLossOptions = {},
): DenoisingLoss {
  return torch.scope(() => {
    const B = x0.shape[0]!;
    const noise = opts.noise ?? standardNormalLike(x0, opts.generator, 'flowMatchingLoss'); // ε
    const sigma = opts.sigma ?? drawSigma(B, x0.dtype, opts); // σ [B]
    const s = perSample(sigma, x0, 'flowMatchingLoss', 'sigma'); // [B,1,…]
    const xSigma = x0.mul(s.rsub(1)).add(noise.mul(s)); // x_σ = (1−σ)·x₀ + σ·ε
    const target = noise.sub(x0); // v = ε − x₀
    const prediction = model(xSigma, sigma, cond); // v_θ(x_σ, σ, c)
    const perSampleLoss = meanOverNonBatch(prediction.sub(target).square()); // mean ‖v_θ − v‖² per sample
    return { loss: perSampleLoss.mean(), perSample: perSampleLoss, time: sigma, noise };
  });
}

function drawSigma(B: number, dtype: torch.DType, opts: FlowMatchingLossOptions): Tensor {
  if ((opts.sigmaSampling ?? 'uniform') === 'uniform') {
    return drawPerSample([B], opts.generator, 'flowMatchingLoss', (shape, generator) =>
      torch.rand(shape, { generator, dtype }),
    ); // σ ~ U(0,1)
  }
  const m = opts.logitMean ?? 0;
  const sd = opts.logitStd ?? 1;
  return torch.scope(() => {
    const n = drawPerSample([B], opts.generator, 'flowMatchingLoss', (shape, generator) =>
      torch.randn(shape, { generator, dtype }),
    );
    return n.mul(sd).add(m).sigmoid(); // σ = sigmoid(m + s·n)  (SD3 §3.1, logit-normal)
  });
}
