// Layers that mix information across the frames of a clip, for the factorised space-time video U-Net. Frames are
// folded into the batch for spatial layers ([B·F, C, H, W]); these layers unfold them to sequences over frames at
// each position ([B·H·W, C, F]), mix, and fold back.
// Both are residual with a zero-initialised last projection, so a fresh temporal layer is the identity and the
// network starts as a per-frame image model — Make-A-Video's initialisation of its temporal layers (Singer et al.,
// arXiv 2209.14792 §3.2) — which also lets spatial weights come from a trained image U-Net.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { GroupNorm } from '../torch/nn/norm.js';
import { Conv1d } from '../torch/nn/conv.js';
import { init } from '../torch/nn/index.js';
import { Pointwise } from './pointwise.js';

/** [B·F, C, H, W] → [B·H·W, C, F]: one sequence over frames per position. */
export function framesToSequences(x: Tensor, frames: number): Tensor {
  const [bf, c, h, w] = x.shape as [number, number, number, number];
  const b = bf / frames;
  return x
    .view(b, frames, c, h, w)
    .permute(0, 3, 4, 2, 1)
    .reshape(b * h * w, c, frames);
}

/** Inverse of framesToSequences. */
export function sequencesToFrames(s: Tensor, frames: number, h: number, w: number): Tensor {
  const [bhw, c] = s.shape as [number, number, number];
  const b = bhw / (h * w);
  return s
    .view(b, h, w, c, frames)
    .permute(0, 4, 3, 1, 2)
    .reshape(b * frames, c, h, w);
}

function zeroInit(conv: { weight: Tensor; bias: Tensor | null }): void {
  init.zeros_(conv.weight);
  if (conv.bias !== null) init.zeros_(conv.bias);
}

/** h + Conv1d_t(SiLU(GN(h))) over frames: R(2+1)D's temporal factor (Tran et al., arXiv 1711.11248). */
export class TemporalConv extends Module {
  readonly norm: GroupNorm;
  readonly conv: Conv1d;

  constructor(channels: number, groups: number, kernel: number) {
    super();
    this.norm = this.registerModule('norm', new GroupNorm(groups, channels));
    this.conv = this.registerModule('conv', new Conv1d(channels, channels, kernel, { padding: (kernel - 1) / 2 }));
    zeroInit(this.conv);
  }

  /** h [B·F, C, H, W] → same shape. */
  forward(h: Tensor, frames: number): Tensor {
    const [, , hh, ww] = h.shape as [number, number, number, number];
    return torch.scope(() => {
      const s = framesToSequences(h, frames);
      return h.add(sequencesToFrames(this.conv.forward(this.norm.forward(s).silu()), frames, hh, ww));
    });
  }
}

/**
 * Self-attention across frames at each position (Video Diffusion Models' temporal attention, Ho et al., arXiv
 * 2204.03458 §3), with a learned embedding of the frame index added to the queries' and keys' input.
 */
export class TemporalAttention extends Module {
  readonly norm: GroupNorm;
  /** [C, maxFrames]. */
  readonly framePosition: Tensor;
  readonly qkv: Pointwise;
  readonly out: Pointwise;

  constructor(
    readonly channels: number,
    readonly heads: number,
    groups: number,
    maxFrames: number,
  ) {
    super();
    this.norm = this.registerModule('norm', new GroupNorm(groups, channels));
    this.framePosition = this.registerParameter('framePosition', torch.randn([channels, maxFrames]).mul_(0.02));
    this.qkv = this.registerModule('qkv', new Pointwise(channels, 3 * channels));
    this.out = this.registerModule('out', new Pointwise(channels, channels));
    zeroInit(this.out.conv);
  }

  /** h [B·F, C, H, W] → same shape. */
  forward(h: Tensor, frames: number): Tensor {
    const [, c, hh, ww] = h.shape as [number, number, number, number];
    const heads = this.heads;
    const d = c / heads;
    return torch.scope(() => {
      const s = framesToSequences(h, frames); // [N, C, F], N = B·H·W
      const n = s.shape[0]!;
      const x = this.norm.forward(s).add(this.framePosition.narrow(1, 0, frames));
      const qkv = this.qkv.forward(x).view(n, 3, heads, d, frames).transpose(3, 4); // [N, 3, h, F, d]
      const o = torch.F.scaledDotProductAttention(qkv.select(1, 0), qkv.select(1, 1), qkv.select(1, 2)); // [N, h, F, d]
      const y = this.out.forward(o.transpose(2, 3).reshape(n, c, frames));
      return h.add(sequencesToFrames(y, frames, hh, ww));
    });
  }
}
