// Tiny pretraining configs per testbed: 32×32 data (the testbeds' real size) through a two-level, 8-channel U-Net,
// so a step takes tens of milliseconds and the smoke runs stay well under a second each.
import type { TestbedName } from '../../src/pretrain/testbeds/index.js';
import { parsePretrainConfig, type PretrainConfig } from '../../src/pretrain/config.js';

const TINY_ENCODER = { dim: 32, layers: 1, heads: 2, mlpRatio: 2 };
const TINY_UNET = { baseChannels: 8, channelMult: [1, 2], groups: 4, heads: 2, contextDim: 32 };

export function tinyModel(testbed: TestbedName): Record<string, unknown> {
  if (testbed === 'moving_shapes') {
    return {
      encoder: TINY_ENCODER,
      unet: { ...TINY_UNET, crossAttentionResolutions: [16], temporalAttentionResolutions: [16] },
    };
  }
  return {
    encoder: TINY_ENCODER,
    unet: { ...TINY_UNET, crossAttentionResolutions: [16], selfAttentionResolutions: [], midSelfAttention: false },
  };
}

export function tinyConfig(testbed: TestbedName, dir: string, steps = 3): Readonly<PretrainConfig> {
  return parsePretrainConfig({
    seed: 7,
    testbed,
    model: tinyModel(testbed),
    training: { steps, batchSize: 2, warmupSteps: 1, condDropout: 0.5 },
    checkpoint: { dir, every: 1, keep: 1 },
  });
}
