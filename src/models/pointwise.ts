// Per-position linear maps on channel-first features [N, C, L], as 1×1 convolutions.
//
// Why not nn.Linear on [N, L, C]: the same arithmetic, but libtorch sends Linear to the BLAS it was linked with
// and convolutions to oneDNN. With Debian's default reference BLAS (netlib libblas3) a [8192, 64]×[64, 64]
// product runs ~5× slower than the equal 1×1 convolution (measured on 2 CPU threads; see bench/models.ts), and
// these maps are most of the attention blocks' work. LDM's SpatialTransformer uses 1×1 convs for proj_in/proj_out
// too (ldm/modules/attention.py, use_linear=False). Weights are [out, in, 1] (Conv1d's layout).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Conv1d } from '../torch/nn/conv.js';
import type { LayerNorm } from '../torch/nn/norm.js';

export class Pointwise extends Module {
  readonly conv: Conv1d;

  constructor(inChannels: number, outChannels: number, opts: { bias?: boolean } = {}) {
    super();
    this.conv = this.registerModule('conv', new Conv1d(inChannels, outChannels, 1, { bias: opts.bias ?? true }));
  }

  /** [N, in, L] → [N, out, L]. */
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** LayerNorm over the channels of a channel-first [N, C, L] tensor (normalises each position's C values). */
export function channelLayerNorm(ln: LayerNorm, x: Tensor): Tensor {
  return torch.scope(() => ln.forward(x.transpose(1, 2)).transpose(1, 2));
}
