// The U-Net skeleton shared by the image and video networks (Ronneberger et al., arXiv 1505.04597, as the DDPM /
// ADM denoisers lay it out: Ho et al., arXiv 2006.11239; Dhariwal & Nichol, arXiv 2105.05233, guided_diffusion/
// unet.py). Levels of residual blocks at halving resolutions; every block output and downsample on the way down
// is kept as a skip and concatenated, last-in first-out, to the inputs of the way up, which has one block more per
// level. What a block is (image: ResBlock + attention; video: + temporal layers) comes from a factory, so the
// skeleton — and its parameter names — is written once.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Conv2d } from '../torch/nn/conv.js';
import { GroupNorm } from '../torch/nn/norm.js';
import { ModuleList } from '../torch/nn/container.js';
import { init } from '../torch/nn/index.js';
import { Downsample, Upsample } from './resample.js';
import type { CrossContext } from './spatial-transformer.js';
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

/** Builds one block; `attend` is false only for the second middle block (ADM's mid: res, attention, res). */
export type BlockFactory = (inChannels: number, outChannels: number, resolution: number, attend: boolean) => UNetBlock;

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
    const skips = [chs[0]!];
    let ch = chs[0]!;
    chs.forEach((levelCh, i) => {
      for (let j = 0; j < c.blocksPerLevel; j++) {
        down.push(block(ch, levelCh, res[i]!, true));
        ch = levelCh;
        skips.push(ch);
      }
      if (i < chs.length - 1) {
        downsamplers.push(new Downsample(ch));
        skips.push(ch);
      }
    });
    this.downBlocks = this.registerModule('downBlocks', new ModuleList(down));
    this.downsamplers = this.registerModule('downsamplers', new ModuleList(downsamplers));
    const lowest = res[res.length - 1]!;
    this.midBlocks = this.registerModule('midBlocks', new ModuleList([block(ch, ch, lowest, true), block(ch, ch, lowest, false)]));
    const up: UNetBlock[] = [];
    const upsamplers: Upsample[] = [];
    for (let i = chs.length - 1; i >= 0; i--) {
      for (let j = 0; j <= c.blocksPerLevel; j++) {
        up.push(block(ch + skips.pop()!, chs[i]!, res[i]!, true));
        ch = chs[i]!;
      }
      if (i > 0) upsamplers.push(new Upsample(ch));
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
      const skips = [h];
      let k = 0;
      for (let i = 0; i < this.#levels; i++) {
        for (let j = 0; j < this.#blocks; j++) skips.push((h = this.downBlocks.at(k++).forward(h, inputs)));
        if (i < this.#levels - 1) skips.push((h = this.downsamplers.at(i).forward(h)));
      }
      for (const m of this.midBlocks) h = m.forward(h, inputs);
      k = 0;
      for (let i = this.#levels - 1; i >= 0; i--) {
        for (let j = 0; j <= this.#blocks; j++) h = this.upBlocks.at(k++).forward(torch.cat([h, skips.pop()!], 1), inputs);
        if (i > 0) h = this.upsamplers.at(this.#levels - 1 - i).forward(h);
      }
      return this.convOut.forward(this.outNorm.forward(h).silu());
    });
  }
}
