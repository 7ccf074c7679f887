// The residual block of the DDPM / ADM U-Nets (Ho et al., arXiv 2006.11239 App. B; Dhariwal & Nichol, arXiv
// 2105.05233 §3, guided_diffusion/unet.py `ResBlock`):
//   h = conv₁(SiLU(GN(x)));  h = conv₂(Dropout(SiLU(GN(h)·(1 + s) + b)));  out = skip(x) + h,
// where (s, b) = Linear(SiLU(emb)) is ADM's adaptive GroupNorm ("scale-shift"); without it the embedding is
// added to h before the second norm, as in DDPM. Differs from ADM: the second conv is not zero-initialised
// (only the U-Net's output conv is), so a fresh network's gradient reaches every layer.
// GroupNorm normalises each sample on its own, so a sample's output never depends on the rest of its batch.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Conv2d } from '../torch/nn/conv.js';
import { GroupNorm } from '../torch/nn/norm.js';
import { Linear } from '../torch/nn/linear.js';
import { Dropout } from '../torch/nn/dropout.js';

export interface ResBlockOptions {
  groups: number;
  dropout: number;
  scaleShift: boolean;
}

export class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly embProj: Linear;
  readonly norm2: GroupNorm;
  readonly dropout: Dropout;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;
  readonly scaleShift: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    embDim: number,
    opts: ResBlockOptions,
  ) {
    super();
    this.scaleShift = opts.scaleShift;
    this.norm1 = this.registerModule('norm1', new GroupNorm(opts.groups, inChannels));
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, outChannels, 3, { padding: 1 }));
    this.embProj = this.registerModule('embProj', new Linear(embDim, opts.scaleShift ? 2 * outChannels : outChannels));
    this.norm2 = this.registerModule('norm2', new GroupNorm(opts.groups, outChannels));
    this.dropout = this.registerModule('dropout', new Dropout(opts.dropout));
    this.conv2 = this.registerModule('conv2', new Conv2d(outChannels, outChannels, 3, { padding: 1 }));
    this.skip = inChannels === outChannels ? null : this.registerModule('skip', new Conv2d(inChannels, outChannels, 1));
  }

  /** x [N, in, H, W], emb [N, embDim] → [N, out, H, W]. */
  forward(x: Tensor, emb: Tensor): Tensor {
    return torch.scope(() => {
      let h = this.conv1.forward(this.norm1.forward(x).silu());
      const e = this.embProj.forward(emb.silu()).unsqueeze(2).unsqueeze(3); // [N, out or 2·out, 1, 1]
      if (this.scaleShift) {
        const [scale, shift] = e.chunk(2, 1);
        h = this.norm2.forward(h).mul(scale!.add(1)).add(shift!); // GN(h)·(1 + s) + b
      } else {
        h = this.norm2.forward(h.add(e));
      }
      h = this.conv2.forward(this.dropout.forward(h.silu()));
      return (this.skip === null ? x : this.skip.forward(x)).add(h);
    });
  }
}
