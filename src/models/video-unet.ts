// VideoUNet: the text-conditioned denoiser for short clips x [B, C, F, H, W].
//
// Factorised space-time, not Conv3d. Each block is the image block applied to every frame (frames folded into the
// batch: 3×3 spatial convs, per-frame cross-attention to the prompt), followed by a temporal 1-D convolution across
// frames and, at low resolution, attention across frames — the (2+1)D factorisation of R(2+1)D (Tran et al., arXiv
// 1711.11248) and Video Diffusion Models (Ho et al., arXiv 2204.03458). Why: a 3×3×3 kernel has 27 weights per
// channel pair against 9 + 3 here, so the factorised block costs about half as much on a CPU budget; the spatial
// weights keep the image U-Net's layout (a trained image model can initialise them); and with the temporal layers
// zero-initialised (temporal.ts) a fresh video model starts as the per-frame image model. Spatial resolution halves
// per level; the number of frames never changes.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Linear } from '../torch/nn/linear.js';
import { ResBlock } from './res-block.js';
import { AttentionBlock } from './attention-block.js';
import { TemporalAttention, TemporalConv } from './temporal.js';
import { TimestepEmbedding } from './timestep-embedding.js';
import { UNetCore, type BlockInputs, type BlockPlace, type UNetBlock } from './unet-core.js';
import { parseVideoUNetConfig, SHAPES_VIDEO_UNET_CONFIG, type VideoUNetConfig } from './video-unet-config.js';
import type { PromptCondition } from './prompt-encoder.js';
import { checkCondition } from './check-inputs.js';

/** Per-frame residual block → temporal conv → [per-frame cross-attention] → [temporal attention]. */
export class VideoBlock extends Module {
  readonly res: ResBlock;
  readonly temporalConv: TemporalConv;
  readonly crossAttn: AttentionBlock | null = null;
  readonly temporalAttn: TemporalAttention | null = null;

  constructor(inCh: number, outCh: number, embDim: number, resolution: number, c: VideoUNetConfig, place: BlockPlace) {
    super();
    this.res = this.registerModule('res', new ResBlock(inCh, outCh, embDim, c));
    this.temporalConv = this.registerModule('temporalConv', new TemporalConv(outCh, c.groups, c.temporalKernel));
    const attend = place !== 'midSecond';
    if (attend && c.crossAttentionResolutions.includes(resolution)) {
      const opts = { heads: c.heads, groups: c.groups, selfAttention: false, contextDim: c.contextDim };
      this.crossAttn = this.registerModule('crossAttn', new AttentionBlock(outCh, opts));
    }
    if (attend && c.temporalAttentionResolutions.includes(resolution)) {
      this.temporalAttn = this.registerModule(
        'temporalAttn',
        new TemporalAttention(outCh, c.heads, c.groups, c.frames),
      );
    }
  }

  /** h [B·F, C, H, W] → [B·F, out, H, W]. */
  forward(h: Tensor, inputs: BlockInputs): Tensor {
    return torch.scope(() => {
      let x = this.temporalConv.forward(this.res.forward(h, inputs.emb), inputs.frames);
      if (this.crossAttn !== null) x = this.crossAttn.forward(x, inputs.cross);
      if (this.temporalAttn !== null) x = this.temporalAttn.forward(x, inputs.frames);
      return x;
    });
  }
}

/** [B, ...] → [B·F, ...]: each sample's row repeated for its F frames (frame-major within a sample). */
function perFrame(t: Tensor, frames: number): Tensor {
  const [b, ...rest] = t.shape;
  return t
    .unsqueeze(1)
    .expand(b!, frames, ...rest)
    .reshape(b! * frames, ...rest);
}

export class VideoUNet extends Module {
  readonly config: VideoUNetConfig;
  readonly timeEmbed: TimestepEmbedding;
  readonly pooledProj: Linear;
  readonly core: UNetCore;

  constructor(config: VideoUNetConfig = SHAPES_VIDEO_UNET_CONFIG) {
    super();
    const c = parseVideoUNetConfig(config);
    this.config = c;
    const embDim = 4 * c.baseChannels;
    this.timeEmbed = this.registerModule('timeEmbed', new TimestepEmbedding(c.baseChannels, embDim));
    this.pooledProj = this.registerModule('pooledProj', new Linear(c.contextDim, embDim));
    const block = (i: number, o: number, r: number, place: BlockPlace): UNetBlock =>
      new VideoBlock(i, o, embDim, r, c, place);
    this.core = this.registerModule('core', new UNetCore(c, block));
  }

  /** x [B, inChannels, F, H, W] (F ≤ frames), t [B] float, cond from PromptEncoder → [B, outChannels, F, H, W]. */
  forward(x: Tensor, t: Tensor, cond: PromptCondition): Tensor {
    const c = this.config;
    checkCondition('VideoUNet.forward', x, t, cond, {
      rank: 5,
      layout: 'B, C, F, H, W',
      channels: c.inChannels,
      contextDim: c.contextDim,
      divisor: 2 ** (c.channelMult.length - 1),
    });
    const [b, ch, f, h, w] = x.shape as [number, number, number, number, number];
    if (f > c.frames) {
      throw new Error(
        `refract VideoUNet.forward: x must have F ≤ frames = ${c.frames}, got F = ${f} — raise config.frames`,
      );
    }
    return torch.scope(() => {
      const emb = perFrame(this.timeEmbed.forward(t).add(this.pooledProj.forward(cond.pooled)), f);
      const cross = { context: perFrame(cond.context, f), keyPaddingMask: perFrame(cond.mask.logicalNot(), f) };
      const frames = x.permute(0, 2, 1, 3, 4).reshape(b * f, ch, h, w); // [B·F, C, H, W]
      const out = this.core.forward(frames, { emb, cross, frames: f });
      return out.view(b, f, c.outChannels, h, w).permute(0, 2, 1, 3, 4).contiguous();
    });
  }
}
