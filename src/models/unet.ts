// ConditionalUNet: the text-conditioned image denoiser. x [B, C, H, W], a noise level per sample, and a prompt
// condition → a prediction shaped like x (velocity for flow matching, ε for DDPM — the network does not care).
// Conditioning enters twice, as in GLIDE / Imagen (Nichol et al., arXiv 2112.10741; Saharia et al., arXiv
// 2205.11487): the pooled prompt is added to the noise-level embedding that modulates every residual block, and the
// per-token context is cross-attended at the lower resolutions (Rombach et al., arXiv 2112.10752).
import type { Tensor } from '../torch/index.js';
import * as torch from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Linear } from '../torch/nn/linear.js';
import { ResBlock } from './res-block.js';
import { AttentionBlock } from './attention-block.js';
import { TimestepEmbedding } from './timestep-embedding.js';
import { UNetCore, type BlockInputs, type BlockPlace, type UNetBlock } from './unet-core.js';
import { parseUNetConfig, SHAPES_UNET_CONFIG, type UNetConfig } from './unet-config.js';
import type { PromptCondition } from './prompt-encoder.js';
import { checkCondition } from './check-inputs.js';
import { coordinateChannels } from './position-embedding.js';

/** A residual block, followed by attention where the config asks for it at this resolution. */
export class ResAttnBlock extends Module {
  readonly res: ResBlock;
  readonly attn: AttentionBlock | null = null;

  constructor(inCh: number, outCh: number, embDim: number, resolution: number, c: UNetConfig, place: BlockPlace) {
    super();
    this.res = this.registerModule('res', new ResBlock(inCh, outCh, embDim, c));
    const attend = place !== 'midSecond';
    const cross = attend && c.crossAttentionResolutions.includes(resolution);
    const self =
      attend && (c.selfAttentionResolutions.includes(resolution) || (place === 'midFirst' && c.midSelfAttention));
    if (cross || self) {
      const opts = {
        heads: c.heads,
        groups: c.groups,
        selfAttention: self,
        contextDim: cross ? c.contextDim : null,
        positionGrid: c.positionalAttention ? resolution : null,
      };
      this.attn = this.registerModule('attn', new AttentionBlock(outCh, opts));
    }
  }

  forward(h: Tensor, inputs: BlockInputs): Tensor {
    if (this.attn === null) return this.res.forward(h, inputs.emb);
    const attn = this.attn;
    return torch.scope(() => attn.forward(this.res.forward(h, inputs.emb), inputs.cross));
  }
}

export class ConditionalUNet extends Module {
  readonly config: UNetConfig;
  readonly timeEmbed: TimestepEmbedding;
  readonly pooledProj: Linear;
  readonly core: UNetCore;

  constructor(config: UNetConfig = SHAPES_UNET_CONFIG) {
    super();
    const c = parseUNetConfig(config);
    this.config = c;
    const embDim = 4 * c.baseChannels; // ADM's time_embed_dim
    this.timeEmbed = this.registerModule('timeEmbed', new TimestepEmbedding(c.baseChannels, embDim));
    this.pooledProj = this.registerModule('pooledProj', new Linear(c.contextDim, embDim));
    const block = (i: number, o: number, r: number, place: BlockPlace): UNetBlock =>
      new ResAttnBlock(i, o, embDim, r, c, place);
    const skeleton = c.coordinateChannels ? { ...c, inChannels: c.inChannels + 2 } : c;
    this.core = this.registerModule('core', new UNetCore(skeleton, block));
  }

  /**
   * x [B, inChannels, H, W] (H, W divisible by 2^(levels−1)), t [B] float (σ ∈ [0, 1], or timestep/1000),
   * cond from PromptEncoder.forward → [B, outChannels, H, W].
   */
  forward(x: Tensor, t: Tensor, cond: PromptCondition): Tensor {
    const c = this.config;
    checkCondition('ConditionalUNet.forward', x, t, cond, {
      rank: 4,
      layout: 'B, C, H, W',
      channels: c.inChannels,
      contextDim: c.contextDim,
      divisor: 2 ** (c.channelMult.length - 1),
    });
    return torch.scope(() => {
      const emb = this.timeEmbed.forward(t).add(this.pooledProj.forward(cond.pooled));
      const cross = { context: cond.context, keyPaddingMask: cond.mask.logicalNot() };
      const [b, , hh, ww] = x.shape as [number, number, number, number];
      const input = c.coordinateChannels ? torch.cat([x, coordinateChannels(hh, ww).expand(b, 2, hh, ww)], 1) : x;
      return this.core.forward(input, { emb, cross, frames: 1 });
    });
  }
}
