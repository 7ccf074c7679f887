// Noise-level embedding: a per-sample float (σ ∈ [0, 1] for flow matching, t/1000 for DDPM) → a vector the
// residual blocks add to their features. Sinusoidal features of the transformer's positional encoding
// (Vaswani et al., arXiv 1706.03762 §3.5) as the DDPM U-Net uses them for t (Ho et al., arXiv 2006.11239 App. B),
// followed by ADM's two-layer SiLU MLP (Dhariwal & Nichol, arXiv 2105.05233; guided_diffusion/nn.py
// `timestep_embedding`, with the same [cos, sin] order and max period 10 000).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Linear } from '../torch/nn/linear.js';

/**
 * t [B] → [B, dim]: [cos(s·t·f_i), sin(s·t·f_i)] with f_i = 10000^(−i/half), i < half = dim/2.
 * `scale` (default 1000) maps σ ∈ [0, 1] onto the integer-timestep range the frequencies were designed for,
 * so neighbouring noise levels get distinguishable embeddings (the brief's "sinusoidal × 1000").
 */
export function sinusoidalEmbedding(t: Tensor, dim: number, scale = 1000, maxPeriod = 10000): Tensor {
  if (t.ndim !== 1) {
    throw new Error(
      `refract sinusoidalEmbedding: t must be rank 1 [B], got shape [${t.shape.join(', ')}] — pass one value per sample`,
    );
  }
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0) {
    throw new Error(`refract sinusoidalEmbedding: dim must be an even integer ≥ 2, got ${dim}`);
  }
  const half = dim / 2;
  return torch.scope(() => {
    const freqs = torch
      .arange(0, half, 1, { dtype: 'float32' })
      .mul(-Math.log(maxPeriod) / half)
      .exp(); // f_i
    const args = t.to('float32').mul(scale).unsqueeze(1).mul(freqs.unsqueeze(0)); // [B, half]
    return torch.cat([args.cos(), args.sin()], 1);
  });
}

/** Sinusoidal features of `inDim` → Linear → SiLU → Linear, giving [B, outDim] (ADM's `time_embed`). */
export class TimestepEmbedding extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
  ) {
    super();
    this.linear1 = this.registerModule('linear1', new Linear(inDim, outDim));
    this.linear2 = this.registerModule('linear2', new Linear(outDim, outDim));
  }

  /** t [B] (float, σ or t/1000) → [B, outDim]. */
  forward(t: Tensor): Tensor {
    return torch.scope(() => this.linear2.forward(this.linear1.forward(sinusoidalEmbedding(t, this.inDim)).silu()));
  }
}
