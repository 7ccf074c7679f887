// One block of the flow transformer: SD3's MMDiT block (Esser et al., arXiv 2403.03206 §4, Fig. 2b) at toy size.
// Two token streams, image x [B, N, D] and prompt y [B, S, D], each with its own weights; they meet only in one joint
// attention over the concatenated sequence [y; x], so every image token can attend to the relation word and to
// the other image tokens in one softmax. Each stream is modulated by the conditioning vector c [B, D] (noise level
// + pooled prompt) with adaLN-Zero (Peebles & Xie, arXiv 2212.09748 §3.2):
//   (shift₁, scale₁, gate₁, shift₂, scale₂, gate₂) = W·SiLU(c),  W zero-initialised (each block starts as identity);
//   h = x + gate₁·Attn(LN(x)·(1 + scale₁) + shift₁);   out = h + gate₂·MLP(LN(h)·(1 + scale₂) + shift₂).
// Differs from SD3: no QK-RMSNorm (at 6 blocks × width 128 training is stable without it), GELU(tanh) MLPs.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Linear } from '../torch/nn/linear.js';
import { LayerNorm } from '../torch/nn/norm.js';
import { init } from '../torch/nn/index.js';

/** x [B, L, D] · (1 + scale) + shift, with scale and shift [B, D] broadcast over the tokens. */
export function modulate(x: Tensor, shift: Tensor, scale: Tensor): Tensor {
  return torch.scope(() => x.mul(scale.unsqueeze(1).add(1)).add(shift.unsqueeze(1)));
}

/** A Linear whose weight and bias start at zero (adaLN-Zero's modulation, the final projection). */
export function zeroLinear(inFeatures: number, outFeatures: number): Linear {
  const l = new Linear(inFeatures, outFeatures);
  init.zeros_(l.weight);
  if (l.bias !== null) init.zeros_(l.bias);
  return l;
}

/**
 * One stream's weights: modulation, pre-attention norm and q/k/v, then (unless `keysOnly`) the post-attention
 * projection and MLP. The prompt stream of the last block is keys-only — its output would feed nothing — as SD3's
 * last block (`context_pre_only`), so no parameter is left without a gradient.
 */
export class StreamWeights extends Module {
  readonly modulation: Linear;
  readonly norm1: LayerNorm;
  readonly qkv: Linear;
  readonly proj: Linear | null = null;
  readonly norm2: LayerNorm | null = null;
  readonly mlpIn: Linear | null = null;
  readonly mlpOut: Linear | null = null;

  constructor(dim: number, mlpRatio: number, keysOnly = false) {
    super();
    const hidden = Math.round(dim * mlpRatio);
    this.modulation = this.registerModule('modulation', zeroLinear(dim, (keysOnly ? 2 : 6) * dim));
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim, { elementwiseAffine: false, eps: 1e-6 }));
    this.qkv = this.registerModule('qkv', new Linear(dim, 3 * dim));
    if (keysOnly) return;
    this.proj = this.registerModule('proj', new Linear(dim, dim));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim, { elementwiseAffine: false, eps: 1e-6 }));
    this.mlpIn = this.registerModule('mlpIn', new Linear(dim, hidden));
    this.mlpOut = this.registerModule('mlpOut', new Linear(hidden, dim));
  }

  /** The modulation vectors [B, D] from c [B, D]: six, or two (shift, scale) for a keys-only stream. */
  modulations(c: Tensor): Tensor[] {
    return this.modulation.forward(c.silu()).chunk(this.proj === null ? 2 : 6, 1);
  }

  /** q, k, v [B, heads, L, D/heads] of the modulated, normalised stream. */
  queryKeyValue(x: Tensor, shift: Tensor, scale: Tensor, heads: number): Tensor[] {
    const [b, l, d] = x.shape as [number, number, number];
    const qkv = this.qkv.forward(modulate(this.norm1.forward(x), shift, scale)); // [B, L, 3D]
    const t = qkv.view(b, l, 3, heads, d / heads).permute(2, 0, 3, 1, 4); // [3, B, h, L, d]
    return [t.select(0, 0), t.select(0, 1), t.select(0, 2)];
  }

  /** The gated residual updates after attention (o [B, L, D]) and through the MLP. */
  finish(x: Tensor, o: Tensor, m: Tensor[]): Tensor {
    if (this.proj === null || this.norm2 === null || this.mlpIn === null || this.mlpOut === null) {
      throw new Error('refract StreamWeights.finish: the stream must not be keys-only, got a keys-only stream');
    }
    const h = x.add(this.proj.forward(o).mul(m[2]!.unsqueeze(1)));
    const mlp = this.mlpOut.forward(torch.F.gelu(this.mlpIn.forward(modulate(this.norm2.forward(h), m[3]!, m[4]!)), 'tanh'));
    return h.add(mlp.mul(m[5]!.unsqueeze(1)));
  }
}

export class JointBlock extends Module {
  readonly image: StreamWeights;
  readonly prompt: StreamWeights;

  /** `last`: the final block, whose prompt stream only lends keys and values (its output would be unused). */
  constructor(
    readonly dim: number,
    readonly heads: number,
    mlpRatio: number,
    readonly last = false,
  ) {
    super();
    this.image = this.registerModule('image', new StreamWeights(dim, mlpRatio));
    this.prompt = this.registerModule('prompt', new StreamWeights(dim, mlpRatio, last));
  }

  /**
   * x [B, N, D] image tokens, y [B, S, D] prompt tokens, c [B, D], attend [B, 1, 1, S + N] bool (false at prompt
   * pads) → the updated [x, y] (y passes through unchanged in the last block).
   */
  forward(x: Tensor, y: Tensor, c: Tensor, attend: Tensor): [Tensor, Tensor] {
    const [b, n, d] = x.shape as [number, number, number];
    const s = y.shape[1]!;
    return torch.scope(() => {
      const mx = this.image.modulations(c);
      const my = this.prompt.modulations(c);
      const [qx, kx, vx] = this.image.queryKeyValue(x, mx[0]!, mx[1]!, this.heads);
      const [qy, ky, vy] = this.prompt.queryKeyValue(y, my[0]!, my[1]!, this.heads);
      const q = torch.cat([qy!, qx!], 2);
      const k = torch.cat([ky!, kx!], 2);
      const v = torch.cat([vy!, vx!], 2);
      const o = torch.F.scaledDotProductAttention(q, k, v, { mask: attend }).transpose(1, 2).reshape(b, s + n, d);
      const outX = this.image.finish(x, o.narrow(1, s, n), mx);
      const outY = this.last ? y : this.prompt.finish(y, o.narrow(1, 0, s), my);
      return [outX, outY];
    });
  }
}
