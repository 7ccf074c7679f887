// A pre-norm transformer block (Xiong et al., arXiv 2002.04745; the layout of diffusers' BasicTransformerBlock):
//   x ← x + SelfAttn(LN₁(x));  [x ← x + CrossAttn(LN₂(x), context)];  x ← x + FF(LN₃(x)),  FF = Linear→GELU→Linear.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { Generator } from '../creation.js';
import { scope } from '../memory.js';
import { Module } from './module.js';
import { Linear, checkPositive } from './linear.js';
import { LayerNorm } from './norm.js';
import { Attention } from './attention.js';
import { GELU } from './activation.js';
import { Sequential } from './container.js';

export interface TransformerBlockOptions {
  heads?: number;
  /** Adds a cross-attention layer over a context of this width. */
  contextDim?: number;
  /** Hidden width of the feed-forward layer as a multiple of dim (default 4). */
  mlpRatio?: number;
  /** LayerNorm epsilon (default 1e-5). */
  eps?: number;
  qkvBias?: boolean;
  generator?: Generator;
}

export interface TransformerBlockCallOptions {
  /** [B, L] bool, true at padded positions of x (ignored as keys by self-attention). */
  keyPaddingMask?: Tensor | null;
  /** [B, S] bool, true at padded positions of the context. */
  contextKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

export class TransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn1: Attention;
  readonly norm2: LayerNorm | null = null;
  readonly attn2: Attention | null = null;
  readonly norm3: LayerNorm;
  readonly ff: Sequential;

  constructor(
    readonly dim: number,
    opts: TransformerBlockOptions = {},
  ) {
    super();
    const heads = opts.heads ?? 1;
    const hidden = Math.round(dim * (opts.mlpRatio ?? 4));
    checkPositive('TransformerBlock', { dim, heads, hidden });
    const eps = opts.eps ?? 1e-5;
    const g = opts.generator;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim, { eps }));
    this.attn1 = this.registerModule('attn1', new Attention(dim, { heads, qkvBias: opts.qkvBias, generator: g }));
    if (opts.contextDim !== undefined) {
      this.norm2 = this.registerModule('norm2', new LayerNorm(dim, { eps }));
      this.attn2 = this.registerModule(
        'attn2',
        new Attention(dim, { heads, contextDim: opts.contextDim, qkvBias: opts.qkvBias, generator: g }),
      );
    }
    this.norm3 = this.registerModule('norm3', new LayerNorm(dim, { eps }));
    this.ff = this.registerModule(
      'ff',
      new Sequential(new Linear(dim, hidden, { generator: g }), new GELU(), new Linear(hidden, dim, { generator: g })),
    );
  }

  /** x [B, L, dim], context [B, S, contextDim] (required iff the block has cross-attention) → [B, L, dim]. */
  forward(x: Tensor, context?: Tensor | null, opts: TransformerBlockCallOptions = {}): Tensor {
    if ((this.attn2 === null) !== (context === undefined || context === null)) {
      throw new TorchError(
        this.attn2 === null
          ? 'context must be absent for a block without cross-attention, got a tensor — build it with contextDim'
          : 'context must be given for a block with cross-attention, got none — pass the conditioning tokens',
        'TransformerBlock.forward',
      );
    }
    return scope(() => {
      let h = x.add(
        this.attn1.forward(this.norm1.forward(x), null, {
          keyPaddingMask: opts.keyPaddingMask,
          isCausal: opts.isCausal,
        }),
      );
      if (this.attn2 !== null && this.norm2 !== null) {
        h = h.add(this.attn2.forward(this.norm2.forward(h), context, { keyPaddingMask: opts.contextKeyPaddingMask }));
      }
      return h.add(this.ff.forward(this.norm3.forward(h)));
    });
  }
}
