// Resolution changes of the U-Net (ADM's Downsample / Upsample with use_conv=True, arXiv 2105.05233):
// a stride-2 3×3 convolution halves H and W; nearest-neighbour ×2 followed by a 3×3 convolution doubles them
// (interpolation + conv instead of a transposed conv avoids checkerboard artefacts: Odena et al., Distill 2016).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Conv2d } from '../torch/nn/conv.js';

export class Downsample extends Module {
  readonly conv: Conv2d;

  constructor(channels: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(channels, channels, 3, { stride: 2, padding: 1 }));
  }

  /** [N, C, H, W] → [N, C, H/2, W/2]. */
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

export class Upsample extends Module {
  readonly conv: Conv2d;

  constructor(inChannels: number, outChannels: number = inChannels) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, outChannels, 3, { padding: 1 }));
  }

  /** [N, C, H, W] → [N, out, 2H, 2W]. */
  forward(x: Tensor): Tensor {
    return torch.scope(() => this.conv.forward(torch.F.interpolate(x, { scaleFactor: 2, mode: 'nearest' })));
  }
}
