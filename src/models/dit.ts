// FlowTransformer: the text-conditioned image denoiser as a small MMDiT (Esser et al., arXiv 2403.03206), the
// layout-capable alternative to ConditionalUNet. x [B, C, H, W] → p×p patches → tokens + fixed 2D sin-cos
// positions (./position-embedding.ts); the prompt's per-token context becomes a second token stream; both pass
// through `depth` joint-attention blocks (./dit-block.ts) modulated by c = emb(t) + W·pooled (adaLN-Zero); a final
// adaLN + zero-initialised linear map turns each image token back into a p×p×C patch (DiT's FinalLayer,
// Peebles & Xie, arXiv 2212.09748).
// Why: the U-Net's attention queries carry no position, so a relation word ("left of") has nothing to match; here
// every image token's code says where it is, and the relation word is a key in the same softmax.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Linear } from '../torch/nn/linear.js';
import { Conv2d } from '../torch/nn/conv.js';
import { LayerNorm } from '../torch/nn/norm.js';
import { ModuleList } from '../torch/nn/container.js';
import { TimestepEmbedding } from './timestep-embedding.js';
import { JointBlock, modulate, zeroLinear } from './dit-block.js';
import { parseFlowTransformerConfig, SHAPES_DIT_CONFIG, type FlowTransformerConfig } from './dit-config.js';
import { sinCos2d } from './position-embedding.js';
import type { PromptCondition } from './prompt-encoder.js';
import { checkCondition } from './check-inputs.js';

/** The width of the sinusoidal noise-level features fed to the time MLP (DiT's frequency_embedding_size). */
const TIME_FEATURES = 256;

export class FlowTransformer extends Module {
  readonly config: FlowTransformerConfig;
  readonly patchEmbed: Conv2d;
  /** [N, D], fixed (not a parameter, not saved). */
  readonly positions: Tensor;
  readonly contextIn: Linear;
  readonly timeEmbed: TimestepEmbedding;
  readonly pooledProj: Linear;
  readonly blocks: ModuleList<JointBlock>;
  readonly finalNorm: LayerNorm;
  readonly finalModulation: Linear;
  readonly finalProj: Linear;

  constructor(config: FlowTransformerConfig = SHAPES_DIT_CONFIG) {
    super();
    const c = parseFlowTransformerConfig(config);
    this.config = c;
    const grid = c.imageSize / c.patchSize;
    this.patchEmbed = this.registerModule(
      'patchEmbed',
      new Conv2d(c.inChannels, c.dim, c.patchSize, { stride: c.patchSize }),
    );
    this.positions = this.registerBuffer('positions', sinCos2d(grid, grid, c.dim), { persistent: false });
    this.contextIn = this.registerModule('contextIn', new Linear(c.contextDim, c.dim));
    this.timeEmbed = this.registerModule('timeEmbed', new TimestepEmbedding(TIME_FEATURES, c.dim));
    this.pooledProj = this.registerModule('pooledProj', new Linear(c.contextDim, c.dim));
    const blocks = Array.from({ length: c.depth }, (_, i) => new JointBlock(c.dim, c.heads, c.mlpRatio, i === c.depth - 1));
    this.blocks = this.registerModule('blocks', new ModuleList(blocks));
    this.finalNorm = this.registerModule('finalNorm', new LayerNorm(c.dim, { elementwiseAffine: false, eps: 1e-6 }));
    this.finalModulation = this.registerModule('finalModulation', zeroLinear(c.dim, 2 * c.dim));
    // Zero-initialised output: the untrained network predicts exactly 0 (DiT's FinalLayer init).
    this.finalProj = this.registerModule('finalProj', zeroLinear(c.dim, c.patchSize * c.patchSize * c.outChannels));
  }

  /** x [B, C, H, W], t [B] (σ ∈ [0, 1]), cond from PromptEncoder.forward → [B, outChannels, H, W]. */
  forward(x: Tensor, t: Tensor, cond: PromptCondition): Tensor {
    const c = this.config;
    checkCondition('FlowTransformer.forward', x, t, cond, {
      rank: 4,
      layout: 'B, C, H, W',
      channels: c.inChannels,
      contextDim: c.contextDim,
      divisor: c.patchSize,
    });
    const b = x.shape[0]!;
    return torch.scope(() => {
      let h = this.patchEmbed.forward(x).flatten(2).transpose(1, 2).add(this.positions); // [B, N, D]
      let y = this.contextIn.forward(cond.context); // [B, S, D]
      const emb = this.timeEmbed.forward(t).add(this.pooledProj.forward(cond.pooled)); // [B, D]
      const n = h.shape[1]!;
      const attend = torch.cat([cond.mask, torch.ones([b, n], { dtype: 'bool' })], 1).view(b, 1, 1, -1);
      for (const block of this.blocks) [h, y] = block.forward(h, y, emb, attend);
      const [shift, scale] = this.finalModulation.forward(emb.silu()).chunk(2, 1);
      const patches = this.finalProj.forward(modulate(this.finalNorm.forward(h), shift!, scale!)); // [B, N, p·p·C]
      return this.#unpatchify(patches);
    });
  }

  /** [B, N, p·p·C] → [B, C, H, W] (token r·g + q holds the patch at row r, column q). */
  #unpatchify(patches: Tensor): Tensor {
    const { patchSize: p, outChannels: ch, imageSize: size } = this.config;
    const g = size / p;
    const b = patches.shape[0]!;
    return patches.view(b, g, g, p, p, ch).permute(0, 5, 1, 3, 2, 4).reshape(b, ch, size, size);
  }
}
