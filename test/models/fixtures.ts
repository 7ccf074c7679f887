// Shared fixtures of the model tests: tiny configs that run in milliseconds, weight perturbation (so zero-initialised
// layers stop hiding the conditioning), and seeded inputs.
import * as torch from '../../src/torch/index.js';
import type { Module } from '../../src/torch/nn/module.js';
import type { TextToImageConfig } from '../../src/models/text-to-image.js';
import type { TextToVideoConfig } from '../../src/models/text-to-video.js';
import type { PromptEncoderConfig } from '../../src/models/prompt-encoder.js';

export const TINY_ENCODER: PromptEncoderConfig = {
  vocabSize: 16,
  maxTokens: 8,
  dim: 32,
  layers: 1,
  heads: 2,
  mlpRatio: 2,
};

/** 16×16, levels at 16 and 8, cross-attention at both, self-attention in the middle. */
export const TINY_T2I: TextToImageConfig = {
  encoder: TINY_ENCODER,
  unet: {
    inChannels: 3,
    outChannels: 3,
    imageSize: 16,
    baseChannels: 16,
    channelMult: [1, 2],
    blocksPerLevel: 1,
    groups: 4,
    heads: 2,
    contextDim: 32,
    dropout: 0,
    scaleShift: true,
    crossAttentionResolutions: [16, 8],
    selfAttentionResolutions: [],
    midSelfAttention: true,
  },
};

export const TINY_T2V: TextToVideoConfig = {
  encoder: TINY_ENCODER,
  unet: {
    inChannels: 3,
    outChannels: 3,
    imageSize: 8,
    baseChannels: 16,
    channelMult: [1, 2],
    blocksPerLevel: 1,
    groups: 4,
    heads: 2,
    contextDim: 32,
    dropout: 0,
    scaleShift: true,
    frames: 4,
    temporalKernel: 3,
    crossAttentionResolutions: [4],
    temporalAttentionResolutions: [4],
  },
};

/** Adds N(0, std²) noise to every parameter, so zero-initialised layers (output conv, temporal layers) are live. */
export function perturb(model: Module, std = 0.05): void {
  torch.noGrad(() => {
    for (const p of model.parameters()) torch.scope(() => p.add_(torch.randnLike(p).mul(std)));
  });
}

/** Token ids [rows.length, length], right-padded with 0. */
export function tokens(rows: number[][], length: number): torch.Tensor {
  const padded = rows.map((r) => [...r, ...Array<number>(length - r.length).fill(0)]);
  return torch.tensor(padded, { dtype: 'int64' });
}

/** Largest absolute difference between two tensors. */
export function maxAbsDiff(a: torch.Tensor, b: torch.Tensor): number {
  return torch.scope(() => a.sub(b).abs().max().item());
}

export function maxAbs(a: torch.Tensor): number {
  return torch.scope(() => a.abs().max().item());
}

/** 16×16 in 4×4 patches (16 image tokens), two joint blocks of width 32: the flow transformer at test size. */
export const TINY_DIT_T2I: TextToImageConfig = {
  encoder: TINY_ENCODER,
  dit: {
    inChannels: 3,
    outChannels: 3,
    imageSize: 16,
    patchSize: 4,
    dim: 32,
    depth: 2,
    heads: 2,
    mlpRatio: 2,
    contextDim: 32,
  },
};
