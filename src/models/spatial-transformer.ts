// Attention over a feature map, as Stable Diffusion's SpatialTransformer (Rombach et al., arXiv 2112.10752 §3.3,
// ldm/modules/attention.py): the H·W positions become tokens that (optionally) self-attend, cross-attend to the
// prompt context, and pass a feed-forward layer, each a pre-norm residual; then back to [N, C, H, W] plus the input.
//   x = projIn(GN(h)) as [N, HW, C];  x += SelfAttn(LN(x));  x += CrossAttn(LN(x), ctx, mask);  x += FF(LN(x));
//   out = h + projOut(x).
// Differs from LDM: Linear projections (LDM's use_linear variant), a GELU MLP instead of GEGLU, and no zero-init
// of projOut (only the U-Net's output conv is zero-initialised).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { GroupNorm, LayerNorm } from '../torch/nn/norm.js';
import { Linear } from '../torch/nn/linear.js';
import { Attention } from '../torch/nn/attention.js';
import { Sequential } from '../torch/nn/container.js';
import { GELU } from '../torch/nn/activation.js';

export interface SpatialTransformerOptions {
  heads: number;
  groups: number;
  /** Self-attention over the H·W positions. */
  selfAttention: boolean;
  /** Cross-attention to a context of this width; null for none. */
  contextDim: number | null;
  /** Feed-forward width as a multiple of the channels (default 2). */
  mlpRatio?: number;
}

/** The prompt as the U-Net blocks see it: context [N, S, D] and its padding (true = pad, the nn.Attention convention). */
export interface CrossContext {
  readonly context: Tensor;
  readonly keyPaddingMask: Tensor;
}

export class SpatialTransformer extends Module {
  readonly norm: GroupNorm;
  readonly projIn: Linear;
  readonly selfNorm: LayerNorm | null = null;
  readonly selfAttn: Attention | null = null;
  readonly crossNorm: LayerNorm | null = null;
  readonly crossAttn: Attention | null = null;
  readonly ffNorm: LayerNorm;
  readonly ff: Sequential;
  readonly projOut: Linear;

  constructor(
    readonly channels: number,
    opts: SpatialTransformerOptions,
  ) {
    super();
    const c = channels;
    this.norm = this.registerModule('norm', new GroupNorm(opts.groups, c));
    this.projIn = this.registerModule('projIn', new Linear(c, c));
    if (opts.selfAttention) {
      this.selfNorm = this.registerModule('selfNorm', new LayerNorm(c));
      this.selfAttn = this.registerModule('selfAttn', new Attention(c, { heads: opts.heads }));
    }
    if (opts.contextDim !== null) {
      this.crossNorm = this.registerModule('crossNorm', new LayerNorm(c));
      this.crossAttn = this.registerModule('crossAttn', new Attention(c, { heads: opts.heads, contextDim: opts.contextDim }));
    }
    const hidden = Math.round(c * (opts.mlpRatio ?? 2));
    this.ffNorm = this.registerModule('ffNorm', new LayerNorm(c));
    this.ff = this.registerModule('ff', new Sequential(new Linear(c, hidden), new GELU(), new Linear(hidden, c)));
    this.projOut = this.registerModule('projOut', new Linear(c, c));
  }

  /** h [N, C, H, W] (+ the prompt when the block cross-attends) → [N, C, H, W]. */
  forward(h: Tensor, cross: CrossContext | null): Tensor {
    const [n, c, hh, ww] = h.shape as [number, number, number, number];
    if (this.crossAttn !== null && cross === null) {
      throw new Error('refract SpatialTransformer.forward: cross must be given for a cross-attending block, got null — pass the prompt context');
    }
    return torch.scope(() => {
      let x = this.projIn.forward(this.norm.forward(h).view(n, c, hh * ww).transpose(1, 2)); // [N, HW, C]
      if (this.selfAttn !== null && this.selfNorm !== null) x = x.add(this.selfAttn.forward(this.selfNorm.forward(x)));
      if (this.crossAttn !== null && this.crossNorm !== null && cross !== null) {
        const a = this.crossAttn.forward(this.crossNorm.forward(x), cross.context, { keyPaddingMask: cross.keyPaddingMask });
        x = x.add(a);
      }
      x = x.add(this.ff.forward(this.ffNorm.forward(x)));
      return h.add(this.projOut.forward(x).transpose(1, 2).reshape(n, c, hh, ww));
    });
  }
}
