// A pre-norm transformer layer (Xiong et al., arXiv 2002.04745) over channel-first tokens [B, D, S]:
//   x += SelfAttn(LN(x), keyPaddingMask);  x += FF(LN(x)),  FF = pointwise D→r·D, GELU, r·D→D.
// nn.TransformerBlock's maths with the per-token maps as 1×1 convolutions (see pointwise.ts for why).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { LayerNorm } from '../torch/nn/norm.js';
import { GELU } from '../torch/nn/activation.js';
import { Sequential } from '../torch/nn/container.js';
import { ConvAttention } from './conv-attention.js';
import { Pointwise, channelLayerNorm } from './pointwise.js';

export class TokenTransformerLayer extends Module {
  readonly attnNorm: LayerNorm;
  readonly attn: ConvAttention;
  readonly ffNorm: LayerNorm;
  readonly ff: Sequential;

  constructor(dim: number, heads: number, mlpRatio: number) {
    super();
    const hidden = Math.round(dim * mlpRatio);
    this.attnNorm = this.registerModule('attnNorm', new LayerNorm(dim));
    this.attn = this.registerModule('attn', new ConvAttention(dim, heads, null));
    this.ffNorm = this.registerModule('ffNorm', new LayerNorm(dim));
    this.ff = this.registerModule(
      'ff',
      new Sequential(new Pointwise(dim, hidden), new GELU(), new Pointwise(hidden, dim)),
    );
  }

  /** x [B, D, S], keyPaddingMask [B, S] bool (true = pad) → [B, D, S]. */
  forward(x: Tensor, keyPaddingMask: Tensor): Tensor {
    return torch.scope(() => {
      const h = x.add(this.attn.forward(channelLayerNorm(this.attnNorm, x), null, keyPaddingMask));
      return h.add(this.ff.forward(channelLayerNorm(this.ffNorm, h)));
    });
  }
}
