// Multi-head attention (Vaswani et al., arXiv 1706.03762 §3.2) as self- or cross-attention: queries come from x,
// keys and values from `context` (x itself when absent), which may have its own width. Unlike
// torch.nn.MultiheadAttention's packed in_proj_weight, the projections are separate Linear layers named
// query/key/value/out (diffusers' Attention layout, to_q/to_k/to_v/to_out), so k/v can take a different input dim.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { Generator } from '../creation.js';
import { scaledDotProductAttention } from '../functional.js';
import { scope } from '../memory.js';
import { Module } from './module.js';
import { Linear, checkPositive } from './linear.js';

export interface AttentionOptions {
  /** Number of heads (default 1). */
  heads?: number;
  /** Width per head (default dim / heads). */
  headDim?: number;
  /** Width of the context keys and values are computed from (default dim: self-attention). */
  contextDim?: number;
  /** Biases on the query/key/value projections (default true, as nn.MultiheadAttention). */
  qkvBias?: boolean;
  /** Bias on the output projection (default true). */
  outBias?: boolean;
  generator?: Generator;
}

export interface AttentionCallOptions {
  /** [B, S] bool, true where a context position is padding and must not be attended (nn.MultiheadAttention's key_padding_mask). */
  keyPaddingMask?: Tensor | null;
  /** Causal mask: position i attends to positions ≤ i (self-attention only). */
  isCausal?: boolean;
}

export class Attention extends Module {
  readonly heads: number;
  readonly headDim: number;
  readonly contextDim: number;
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly out: Linear;

  constructor(
    readonly dim: number,
    opts: AttentionOptions = {},
  ) {
    super();
    this.heads = opts.heads ?? 1;
    checkPositive('Attention', { dim, heads: this.heads });
    if (opts.headDim === undefined && dim % this.heads !== 0) {
      throw new TorchError(
        `dim (${dim}) must be divisible by heads, got heads=${this.heads} — or pass headDim`,
        'Attention',
      );
    }
    this.headDim = opts.headDim ?? dim / this.heads;
    this.contextDim = opts.contextDim ?? dim;
    checkPositive('Attention', { headDim: this.headDim, contextDim: this.contextDim });
    const inner = this.heads * this.headDim;
    const g = opts.generator;
    const qkvBias = opts.qkvBias ?? true;
    this.query = this.registerModule('query', new Linear(dim, inner, { bias: qkvBias, generator: g }));
    this.key = this.registerModule('key', new Linear(this.contextDim, inner, { bias: qkvBias, generator: g }));
    this.value = this.registerModule('value', new Linear(this.contextDim, inner, { bias: qkvBias, generator: g }));
    this.out = this.registerModule('out', new Linear(inner, dim, { bias: opts.outBias ?? true, generator: g }));
  }

  /** x [B, L, dim], context [B, S, contextDim] (default x) → [B, L, dim]. */
  forward(x: Tensor, context?: Tensor | null, opts: AttentionCallOptions = {}): Tensor {
    const ctx = context ?? x;
    const [b, l] = this.#checkInputs(x, ctx, opts.keyPaddingMask ?? null);
    const s = ctx.shape[1]!;
    const { heads: h, headDim: d } = this;
    return scope(() => {
      // [B, T, H·D] → [B, H, T, D]: heads become a batch dim for the attention product.
      const q = this.query.forward(x).view(b, l, h, d).transpose(1, 2);
      const k = this.key.forward(ctx).view(b, s, h, d).transpose(1, 2);
      const v = this.value.forward(ctx).view(b, s, h, d).transpose(1, 2);
      // F.scaledDotProductAttention's boolean mask means "may attend": the negation of the padding mask.
      const mask = opts.keyPaddingMask ? opts.keyPaddingMask.logicalNot().view(b, 1, 1, s) : null;
      const o = scaledDotProductAttention(q, k, v, { mask, isCausal: opts.isCausal ?? false });
      return this.out.forward(o.transpose(1, 2).reshape(b, l, h * d));
    });
  }

  #checkInputs(x: Tensor, ctx: Tensor, mask: Tensor | null): [number, number] {
    const where = 'Attention.forward';
    const xs = x.shape;
    if (xs.length !== 3 || xs[2] !== this.dim) {
      throw new TorchError(`x must be [B, L, ${this.dim}], got [${xs.join(', ')}] — add a batch dim or fix dim`, where);
    }
    const cs = ctx.shape;
    if (cs.length !== 3 || cs[0] !== xs[0] || cs[2] !== this.contextDim) {
      throw new TorchError(
        `context must be [${xs[0]}, S, ${this.contextDim}], got [${cs.join(', ')}] — ` +
          (ctx === x ? 'pass a context: this layer was built for cross-attention' : 'match the batch and contextDim'),
        where,
      );
    }
    if (mask !== null) {
      const ms = mask.shape;
      if (mask.dtype !== 'bool' || ms.length !== 2 || ms[0] !== cs[0] || ms[1] !== cs[1]) {
        throw new TorchError(
          `keyPaddingMask must be bool [${cs[0]}, ${cs[1]}], got ${mask.dtype} [${ms.join(', ')}] — true marks padding`,
          where,
        );
      }
    }
    return [xs[0]!, xs[1]!];
  }
}
