// The U-Net skeleton shared by the image and video networks (Ronneberger et al., arXiv 1505.04597, as the DDPM /
// ADM denoisers lay it out: Ho et al., arXiv 2006.11239; Dhariwal & Nichol, arXiv 2105.05233, guided_diffusion/
// unet.py). Levels of residual blocks at halving resolutions; each block's output on the way down is kept as a
// skip and concatenated, last-in first-out, to the input of its mirror block on the way up. What a block is (image:
// ResBlock + attention; video: + temporal layers) comes from a factory, so the skeleton is written once.
// Differs from ADM, for CPU budgets where the full-resolution level dominates the cost: the way up has as many
// blocks as the way down (ADM adds one per level, fed by the convIn and downsample outputs), and each upsample's
// conv maps to the next level's channels (ADM keeps the channels). Both cut the 32×32 work by about half.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Conv2d } from '../torch/nn/conv.js';
import { GroupNorm } from '../torch/nn/norm.js';
import { ModuleList } from '../torch/nn/container.js';
import { init } from '../torch/nn/index.js';
import { Downsample, Upsample } from './resample.js';
import type { CrossContext } from './attention-block.js';
import { levelResolutions, type UNetSkeletonConfig } from './unet-config.js';

/** What every block receives besides its feature map; N = B for images, B·F for video (frames folded in). */
export interface BlockInputs {
  /** [N, E]: noise-level (+ pooled prompt) embedding. */
  readonly emb: Tensor;
  readonly cross: CrossContext;
  /** Frames per clip folded into N (1 for images). */
  readonly frames: number;
}

export interface UNetBlock extends Module {
  forward(h: Tensor, inputs: BlockInputs): Tensor;
}

/**
 * Where a block sits: in a level (down or up), or first / second in the middle, which ADM lays out as
 * res, attention, res — so only the first middle block attends.
 */
export type BlockPlace = 'level' | 'midFirst' | 'midSecond';

export type BlockFactory = (
  inChannels: number,
  outChannels: number,
  resolution: number,
  place: BlockPlace,
) => UNetBlock;

export class UNetCore extends Module {
  readonly convIn: Conv2d;
  readonly downBlocks: ModuleList<UNetBlock>;
  readonly downsamplers: ModuleList<Downsample>;
  readonly midBlocks: ModuleList<UNetBlock>;
  readonly upBlocks: ModuleList<UNetBlock>;
  readonly upsamplers: ModuleList<Upsample>;
  readonly outNorm: GroupNorm;
  readonly convOut: Conv2d;
  readonly #levels: number;
  readonly #blocks: number;

  constructor(c: UNetSkeletonConfig, block: BlockFactory) {
    super();
    const res = levelResolutions(c);
    const chs = c.channelMult.map((m) => c.baseChannels * m);
    this.#levels = chs.length;
    this.#blocks = c.blocksPerLevel;
    this.convIn = this.registerModule('convIn', new Conv2d(c.inChannels, chs[0]!, 3, { padding: 1 }));
    const down: UNetBlock[] = [];
    const downsamplers: Downsample[] = [];
    const skips: number[] = [];
    let ch = chs[0]!;
    chs.forEach((levelCh, i) => {
      for (let j = 0; j < c.blocksPerLevel; j++) {
        down.push(block(ch, levelCh, res[i]!, 'level'));
        ch = levelCh;
        skips.push(ch);
      }
      if (i < chs.length - 1) downsamplers.push(new Downsample(ch));
    });
    this.downBlocks = this.registerModule('downBlocks', new ModuleList(down));
    this.downsamplers = this.registerModule('downsamplers', new ModuleList(downsamplers));
    const lowest = res[res.length - 1]!;
    this.midBlocks = this.registerModule(
      'midBlocks',
      new ModuleList([block(ch, ch, lowest, 'midFirst'), block(ch, ch, lowest, 'midSecond')]),
    );
    const up: UNetBlock[] = [];
    const upsamplers: Upsample[] = [];
    for (let i = chs.length - 1; i >= 0; i--) {
      for (let j = 0; j < c.blocksPerLevel; j++) {
        up.push(block(ch + skips.pop()!, chs[i]!, res[i]!, 'level'));
        ch = chs[i]!;
      }
      if (i > 0) {
        upsamplers.push(new Upsample(ch, chs[i - 1]!));
        ch = chs[i - 1]!;
      }
    }
    this.upBlocks = this.registerModule('upBlocks', new ModuleList(up));
    this.upsamplers = this.registerModule('upsamplers', new ModuleList(upsamplers));
    this.outNorm = this.registerModule('outNorm', new GroupNorm(c.groups, ch));
    this.convOut = this.registerModule('convOut', new Conv2d(ch, c.outChannels, 3, { padding: 1 }));
    // Zero-initialised output: the untrained network predicts exactly 0 (ADM's zero_module on the last conv).
    init.zeros_(this.convOut.weight);
    if (this.convOut.bias !== null) init.zeros_(this.convOut.bias);
  }

  /** x [N, inChannels, H, W] → [N, outChannels, H, W]. */
  forward(x: Tensor, inputs: BlockInputs): Tensor {
    return torch.scope(() => {
      let h = this.convIn.forward(x);
      const skips: Tensor[] = [];
      let k = 0;
      for (let i = 0; i < this.#levels; i++) {
        for (let j = 0; j < this.#blocks; j++) skips.push((h = this.downBlocks.at(k++).forward(h, inputs)));
        if (i < this.#levels - 1) h = this.downsamplers.at(i).forward(h);
      }
      for (const m of this.midBlocks) h = m.forward(h, inputs);
      k = 0;
      for (let i = this.#levels - 1; i >= 0; i--) {
        for (let j = 0; j < this.#blocks; j++)
          h = this.upBlocks.at(k++).forward(torch.cat([h, skips.pop()!], 1), inputs);
        if (i > 0) h = this.upsamplers.at(this.#levels - 1 - i).forward(h);
      }
      return this.convOut.forward(this.outNorm.forward(h).silu());
    });
  }
}
