// Attention over a feature map, as GLIDE's AttentionBlock with text keys (Nichol et al., arXiv 2112.10741;
// glide_text2im/unet.py `AttentionBlock` with `encoder_kv`): the H·W positions are queries; the keys and values
// are the positions themselves (self-attention), the prompt tokens (cross-attention, Rombach et al., arXiv
// 2112.10752 §3.3), or both concatenated, so one softmax weighs image and text together:
//   x = GN(h) as [N, C, HW];  q = W_q·x;  [k; v] = [W_k·x, W_v·x] ++ [K(ctx), V(ctx)];
//   out = h + W_o·softmax(q·kᵀ/√d + mask)·v,  mask = −∞ at pad tokens.
// Chosen over Stable Diffusion's SpatialTransformer (separate LN + attention layers + feed-forward per block):
// at 16×16 its extra per-position maps cost about as much as a 3×3 convolution on 2 CPU threads.
// Differs from GLIDE: W_o is not zero-initialised (only the U-Net's output conv is).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { GroupNorm } from '../torch/nn/norm.js';
import { Pointwise } from './pointwise.js';
import { sinCos2d } from './position-embedding.js';

export interface AttentionBlockOptions {
  heads: number;
  groups: number;
  /** Keys and values from the map's own positions. */
  selfAttention: boolean;
  /** Keys and values from a prompt context of this width; null for none. */
  contextDim: number | null;
  /**
   * The side of the (square) feature map when queries and self-keys carry fixed 2D sin-cos position codes
   * (added to the normalised features before their projections); null or absent for none.
   */
  positionGrid?: number | null;
}

/** The prompt as the U-Net blocks see it: context [N, S, D] and its padding (true = pad, the nn.Attention convention). */
export interface CrossContext {
  readonly context: Tensor;
  readonly keyPaddingMask: Tensor;
}

export class AttentionBlock extends Module {
  readonly norm: GroupNorm;
  readonly query: Pointwise;
  /** Self keys and values [2C] from the map, or null. */
  readonly selfKV: Pointwise | null = null;
  /** Cross keys and values [2C] from the context, or null. */
  readonly contextKV: Pointwise | null = null;
  readonly out: Pointwise;
  readonly headDim: number;
  /** [1, C, H·W] position codes, or null (not a parameter, not saved). */
  readonly positions: Tensor | null = null;

  constructor(
    readonly channels: number,
    readonly opts: AttentionBlockOptions,
  ) {
    super();
    const c = channels;
    if (!opts.selfAttention && opts.contextDim === null) {
      throw new Error(
        'refract AttentionBlock: selfAttention or contextDim must be set, got neither — drop the block instead',
      );
    }
    if (c % opts.heads !== 0)
      throw new Error(`refract AttentionBlock: heads must divide channels (${c}), got ${opts.heads}`);
    this.headDim = c / opts.heads;
    this.norm = this.registerModule('norm', new GroupNorm(opts.groups, c));
    this.query = this.registerModule('query', new Pointwise(c, c));
    if (opts.selfAttention) this.selfKV = this.registerModule('selfKV', new Pointwise(c, 2 * c));
    if (opts.contextDim !== null) {
      this.contextKV = this.registerModule('contextKV', new Pointwise(opts.contextDim, 2 * c));
    }
    this.out = this.registerModule('out', new Pointwise(c, c));
    const g = opts.positionGrid ?? null;
    if (g !== null) {
      const codes = torch.scope(() => sinCos2d(g, g, c).transpose(0, 1).unsqueeze(0).contiguous());
      this.positions = this.registerBuffer('positions', codes, { persistent: false });
    }
  }

  /** h [N, C, H, W] (+ the prompt when the block cross-attends) → [N, C, H, W]. */
  forward(h: Tensor, cross: CrossContext | null): Tensor {
    const [n, c, hh, ww] = h.shape as [number, number, number, number];
    const l = hh * ww;
    const heads = this.opts.heads;
    const d = this.headDim;
    return torch.scope(() => {
      const x = this.norm.forward(h).view(n, c, l);
      const xq = this.positions === null ? x : x.add(this.positions); // where each query (and self-key) sits
      const q = this.query.forward(xq).view(n, heads, d, l).transpose(2, 3); // [N, h, L, d]
      const ks: Tensor[] = [];
      const vs: Tensor[] = [];
      const attend: Tensor[] = []; // per key: may it be attended? (SDPA's boolean mask convention)
      if (this.selfKV !== null) {
        const kv = this.selfKV.forward(xq).view(n, 2, heads, d, l).transpose(3, 4); // [N, 2, h, L, d]
        ks.push(kv.select(1, 0));
        vs.push(kv.select(1, 1));
        attend.push(torch.ones([n, l], { dtype: 'bool' }));
      }
      if (this.contextKV !== null) {
        if (cross === null) {
          throw new Error('refract AttentionBlock.forward: cross must be given for a cross-attending block, got null');
        }
        const s = cross.context.shape[1]!;
        const ctx = cross.context.transpose(1, 2); // [N, D, S]
        const kv = this.contextKV.forward(ctx).view(n, 2, heads, d, s).permute(1, 0, 2, 4, 3); // [2, N, h, S, d]
        ks.push(kv.select(0, 0));
        vs.push(kv.select(0, 1));
        attend.push(cross.keyPaddingMask.logicalNot());
      }
      const k = ks.length === 1 ? ks[0]! : torch.cat(ks, 2); // [N, h, keys, d]
      const v = vs.length === 1 ? vs[0]! : torch.cat(vs, 2);
      const mask = this.contextKV === null ? null : torch.cat(attend, 1).view(n, 1, 1, k.shape[2]!);
      const o = torch.F.scaledDotProductAttention(q, k, v, { mask }); // softmax(q·kᵀ/√d + mask)·v, [N, h, L, d]
      return h.add(this.out.forward(o.transpose(2, 3).reshape(n, c, l)).view(n, c, hh, ww));
    });
  }
}
