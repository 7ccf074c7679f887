// The DDPM denoising loss (ε- or v-prediction), per sample.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { EpsilonModel, NoiseSource, PredictionType } from './types.js';
import type { DenoisingLoss } from './flow-matching-loss.js';
import { drawPerSample, meanOverNonBatch, perSample, standardNormalLike } from './per-sample.js';

export interface DdpmLossOptions {
  /** ᾱ_t of the training schedule, length T. */
  alphasCumprod: readonly number[];
  /** Default 'epsilon'. */
  prediction?: PredictionType;
  generator?: NoiseSource;
  /** Fixed integer timesteps t per sample [B] (e.g. shared between winner and loser in Diffusion-DPO). */
  timesteps?: Tensor;
  /** Fixed ε [B, ...]. */
  noise?: Tensor;
}

/**
 * Simplified DDPM objective (Ho et al., arXiv 2006.11239, Eq. 14), with the v-target of Salimans & Ho
 * (arXiv 2202.00512, §4) for 'v_prediction':
 *   t ~ U{0, …, T−1},  x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε,
 *   target ε ('epsilon') or v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ ('v_prediction'),  L = mean ‖ŷ_θ(x_t, t, c) − target‖².
 * The model sees t as a float [B]. Draw order with a generator: ε first, then t.
 */
export function ddpmLoss<C>(model: EpsilonModel<C>, x0: Tensor, cond: C, opts: DdpmLossOptions): DenoisingLoss {
  const T = opts.alphasCumprod.length;
  return torch.scope(() => {
    const B = x0.shape[0]!;
    const noise = opts.noise ?? standardNormalLike(x0, opts.generator, 'ddpmLoss'); // ε
    const t =
      opts.timesteps?.long() ??
      drawPerSample([B], opts.generator, 'ddpmLoss', (shape, generator) => torch.randint(0, T, shape, { generator })); // t ~ U{0..T−1}
    const alphaBar = torch
      .tensor([...opts.alphasCumprod], { dtype: 'float64' })
      .indexSelect(0, t)
      .to(x0.dtype); // ᾱ_t [B]
    const a = perSample(alphaBar, x0, 'ddpmLoss', 'alphaBar'); // [B,1,…]
    const sqrtA = a.sqrt(); // √ᾱ_t
    const sqrtB = a.rsub(1).sqrt(); // √(1−ᾱ_t)
    const xT = x0.mul(sqrtA).add(noise.mul(sqrtB)); // x_t = √ᾱ·x₀ + √(1−ᾱ)·ε
    const target = (opts.prediction ?? 'epsilon') === 'epsilon' ? noise : noise.mul(sqrtA).sub(x0.mul(sqrtB)); // ε or v
    const time = t.to(x0.dtype);
    const prediction = model(xT, time, cond); // ŷ_θ(x_t, t, c)
    const perSampleLoss = meanOverNonBatch(prediction.sub(target).square()); // mean ‖ŷ − target‖² per sample
    return { loss: perSampleLoss.mean(), perSample: perSampleLoss, time, noise };
  });
}
