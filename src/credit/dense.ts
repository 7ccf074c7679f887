// Advantages across pixels and frames: a dense reward map [B, H, W] (per pixel) or [B, F] (per frame) from
// rewards/ (RewardResult.dense) turned into per-element advantages, and the weighted per-element mean that applies
// them to log-prob terms or losses.
//
// How it composes with generate/: a step's logProb is the per-element MEAN over non-batch dims of the Gaussian
// log-density ℓ_e (generate/gaussian-log-prob.ts, as flow_grpo and ddpo-pytorch). A per-sample advantage A_i
// multiplies that mean: A_i · mean_e(ℓ_e). A per-element advantage A_{i,e} moves inside the mean:
// mean_e(A_{i,e} · ℓ_e) — `weightedGaussianLogProb(value, mean, std, A_dense)`, which with A_{i,e} = A_i equals
// A_i · logProb exactly. The dense map must broadcast against the latent: `alignDense` reshapes [B, H, W] to
// [B, 1, H, W] for image latents [B, C, H, W] and [B, F] to [B, 1, F, 1, 1] for video latents [B, C, F, H, W]
// (models/video-unet.ts). For a PPO ratio per element, an algorithm forms exp(ℓ_θ,e − ℓ_old,e) from
// gaussianLogDensity itself; this file only weights.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { gaussianLogDensity } from '../generate/gaussian-log-prob.js';
import type { DenseMap } from '../rewards/types.js';
import { meanOverNonBatch, sumOverNonBatch } from '../generate/per-sample.js';
import { checkEps, groupIndex, readVector, type GroupIds } from './stats.js';

/**
 * 'group': each element normalised against the same element of the other samples in its group,
 *   (d_i,e − mean_g d_·,e)/(std_g d_·,e + eps) — where in the image this sample beat its siblings;
 * 'sample': each map normalised over its own elements, (d_i,e − mean_e d_i)/(std_e d_i + eps) — which regions of
 *   this sample were better than its average (zero mean: moves credit inside a sample, adds none).
 */
export type DenseNormalize = 'group' | 'sample';

export interface DenseOptions {
  readonly normalize: DenseNormalize;
  /** Weight of the dense term in [0, 1]: A_i,e = (1 − mix)·A_i + mix·Ĝ(d)_i,e. */
  readonly mix: number;
  /** Required for 'group'. */
  readonly groupIds?: GroupIds;
  /** Default 1e−4. */
  readonly eps?: number;
}

/** Per-element advantages [B, ...] (dense's shape) from sample advantages A [B] and a dense reward map. */
export function denseAdvantages(a: Tensor, dense: Tensor, opts: DenseOptions): Tensor {
  const fn = 'denseAdvantages';
  const eps = opts.eps ?? 1e-4;
  checkEps(eps, fn);
  if (!(opts.mix >= 0 && opts.mix <= 1)) {
    throw new Error(`refract ${fn}: mix must be in [0, 1], got ${opts.mix} — e.g. 0.5`);
  }
  if (dense.ndim < 2) {
    throw new Error(
      `refract ${fn}: dense must have shape [B, ...] (e.g. [B, H, W] or [B, F]), got [${dense.shape.join(', ')}]`,
    );
  }
  const B = dense.shape[0]!;
  readVector(a, fn, 'A', B);
  return torch.scope(() => {
    const d = dense.to(a.dtype === 'float64' ? 'float64' : 'float32');
    const normed =
      opts.normalize === 'group' ? groupNormalizeDense(d, opts.groupIds, eps) : sampleNormalizeDense(d, eps);
    const ai = a.to(d.dtype).reshape([B, ...d.shape.slice(1).map(() => 1)]);
    return ai.mul(1 - opts.mix).add(normed.mul(opts.mix)); // (1 − mix)·A_i + mix·Ĝ(d)
  });
}

function groupNormalizeDense(d: Tensor, groupIds: GroupIds | undefined, eps: number): Tensor {
  if (groupIds === undefined) {
    throw new Error("refract denseAdvantages: groupIds must be given for normalize 'group' — pass one id per sample");
  }
  const out = torch.zerosLike(d);
  for (const g of groupIndex(groupIds, d.shape[0]!, 'denseAdvantages')) {
    torch.scope(() => {
      const idx = torch.tensor(g, { dtype: 'int64' });
      const sub = d.indexSelect(0, idx);
      const m = sub.mean(0, true);
      const s = sub.std(0, { correction: 0, keepdim: true });
      out.indexPut_([idx], sub.sub(m).div(s.add(eps))); // (d − μ_g)/(σ_g + ε), per element
    });
  }
  return out;
}

function sampleNormalizeDense(d: Tensor, eps: number): Tensor {
  const dims = Array.from({ length: d.ndim - 1 }, (_, i) => i + 1);
  const m = d.mean(dims, true);
  const s = d.std(dims, { correction: 0, keepdim: true });
  return d.sub(m).div(s.add(eps)); // (d − μ_i)/(σ_i + ε)
}

export interface WeightedMeanOptions {
  /**
   * 'mean' (default): mean_e(w·x) — the per-element-mean convention of logProb, so uniform w = A_i gives A_i·mean(x).
   * 'weights': Σ_e w·x / Σ_e w — a weighted average; needs Σ w > 0 per sample (use for non-negative masks).
   */
  readonly normalize?: 'mean' | 'weights';
}

/** Per-sample weighted mean [B] of per-element terms [B, ...] with weights broadcastable to them. */
export function weightedElementMean(perElement: Tensor, weights: Tensor, opts: WeightedMeanOptions = {}): Tensor {
  const fn = 'refract weightedElementMean';
  if (weights.ndim > perElement.ndim || weights.shape[0] !== perElement.shape[0]) {
    throw new Error(
      `${fn}: weights must have shape [B, ...] broadcastable to [${perElement.shape.join(', ')}], got [${weights.shape.join(', ')}]` +
        ' — reshape the map, e.g. [B, 1, H, W] for latents [B, C, H, W]',
    );
  }
  return torch.scope(() => {
    const w = weights.reshape([...weights.shape, ...new Array<number>(perElement.ndim - weights.ndim).fill(1)]);
    const wx = perElement.mul(w);
    if ((opts.normalize ?? 'mean') === 'mean') return meanOverNonBatch(wx); // mean_e(w·x)
    const total = sumOverNonBatch(w.expandAs(perElement));
    if (total.le(0).any().item()) {
      throw new Error(
        `${fn}: weights must sum to > 0 per sample for normalize 'weights' — use 'mean' for signed weights`,
      );
    }
    return sumOverNonBatch(wx).div(total); // Σ w·x / Σ w
  });
}

/**
 * mean_e(w_e · log N(value_e; mean_e, std_e²)) per sample, [B]: the logProb of generate/ with a per-element
 * advantage (or mask) inside the mean. `value` is detached, as in gaussianLogDensity.
 */
export function weightedGaussianLogProb(value: Tensor, mean: Tensor, std: Tensor, weights: Tensor): Tensor {
  return torch.scope(() => weightedElementMean(gaussianLogDensity(value, mean, std), weights));
}

/**
 * A dense map [B, ...d] reshaped to broadcast against a latent [B, C, ...]: the channel dim is inserted at 1 and
 * trailing dims of size 1 appended, e.g. [B, H, W] → [B, 1, H, W]; [B, F] → [B, 1, F, 1, 1] for [B, C, F, H, W].
 * Each map dim must equal the latent's (resize the map to the latent resolution first).
 */
export function alignDense(dense: Tensor, latent: Tensor): Tensor {
  return alignDenseToShape(dense, latent.shape);
}

/** alignDense against a latent's shape [B, C, ...] (e.g. all B samples of an iteration whose latents are sharded). */
export function alignDenseToShape(dense: Tensor, latentShape: readonly number[]): Tensor {
  const d = dense.shape;
  const l = latentShape;
  const target = [d[0]!, 1, ...d.slice(1), ...new Array<number>(Math.max(0, l.length - d.length - 1)).fill(1)];
  const fits = target.length === l.length && d[0] === l[0] && d.slice(1).every((n, i) => n === l[i + 2]);
  if (!fits) {
    throw new Error(
      `refract alignDense: dense must have shape [B, ...] matching latent [${l.join(', ')}] after its channel dim, got [${d.join(', ')}]` +
        ' — resize the map to the latent resolution',
    );
  }
  return dense.reshape(target);
}

/** A RewardResult dense map (rewards/types.ts: row-major Float32Array + shape) as a [B, H, W] or [B, F] tensor. */
export function denseMapTensor(map: DenseMap): Tensor {
  return torch.fromTypedArray(map.data, [...map.shape]);
}
