// Multi-head attention (Vaswani et al., arXiv 1706.03762 §3.2) for channel-first feature maps [N, C, L]: queries
// from the map by a pointwise (1×1) projection; keys and values either from the map too (self-attention) or from a
// token context [N, S, D] by Linear layers (cross-attention, Rombach et al., arXiv 2112.10752 §3.3). The same maths
// as nn.Attention, laid out so the big per-position projections run as convolutions (see pointwise.ts).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Linear } from '../torch/nn/linear.js';
import { Pointwise } from './pointwise.js';

export class ConvAttention extends Module {
  readonly query: Pointwise;
  readonly key: Pointwise | Linear;
  readonly value: Pointwise | Linear;
  readonly out: Pointwise;
  readonly headDim: number;

  /** `contextDim` null: self-attention over the map; a number: cross-attention to a context of that width. */
  constructor(
    readonly channels: number,
    readonly heads: number,
    readonly contextDim: number | null,
  ) {
    super();
    if (channels % heads !== 0) {
      throw new Error(`refract ConvAttention: heads must divide channels (${channels}), got ${heads}`);
    }
    this.headDim = channels / heads;
    this.query = this.registerModule('query', new Pointwise(channels, channels));
    this.key = this.registerModule(
      'key',
      contextDim === null ? new Pointwise(channels, channels) : new Linear(contextDim, channels),
    );
    this.value = this.registerModule(
      'value',
      contextDim === null ? new Pointwise(channels, channels) : new Linear(contextDim, channels),
    );
    this.out = this.registerModule('out', new Pointwise(channels, channels));
  }

  /**
   * x [N, C, L]; for cross-attention also context [N, S, D]. keyPaddingMask (true = pad, never attended) is
   * [N, S] for cross-attention and [N, L] for self-attention → [N, C, L].
   */
  forward(x: Tensor, context: Tensor | null = null, keyPaddingMask: Tensor | null = null): Tensor {
    const [n, c, l] = x.shape as [number, number, number];
    const h = this.heads;
    const d = this.headDim;
    return torch.scope(() => {
      const q = this.query.forward(x).view(n, h, d, l).transpose(2, 3); // [N, h, L, d]
      let k: Tensor;
      let v: Tensor;
      const keys = this.key instanceof Linear ? (context?.shape[1] ?? 0) : l;
      const mask = keyPaddingMask === null ? null : keyPaddingMask.logicalNot().view(n, 1, 1, keys); // true = may attend
      if (this.key instanceof Linear && this.value instanceof Linear) {
        if (context === null)
          throw new Error('refract ConvAttention.forward: context must be given for cross-attention, got null');
        const s = context.shape[1]!;
        k = this.key.forward(context).view(n, s, h, d).transpose(1, 2); // [N, h, S, d]
        v = this.value.forward(context).view(n, s, h, d).transpose(1, 2);
      } else {
        k = (this.key as Pointwise).forward(x).view(n, h, d, l).transpose(2, 3);
        v = (this.value as Pointwise).forward(x).view(n, h, d, l).transpose(2, 3);
      }
      const o = torch.F.scaledDotProductAttention(q, k, v, { mask }); // softmax(q·kᵀ/√d)·v, [N, h, L, d]
      return this.out.forward(o.transpose(2, 3).reshape(n, c, l));
    });
  }
}
