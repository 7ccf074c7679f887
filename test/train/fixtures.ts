// Shared fixtures of the training-loop tests: a tiny randomised Shapes model saved as a base checkpoint, and a tiny
// run config (few iterations, small groups, few sampler steps) so each test runs in seconds on one thread.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { TextToImageModel, SHAPES_TEXT_TO_IMAGE_CONFIG, type TextToImageConfig } from '../../src/models/text-to-image.js';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import { loadStateDictFile } from '../../src/torch/safetensors.js';
import { mergeDeep } from '../../src/pretrain/loop.js';
import type { RewardModel } from '../../src/rewards/types.js';

/** A small model: 8 base channels, one attention resolution, a 1-layer 32-wide prompt encoder. */
export const TINY_MODEL_CONFIG = mergeDeep(SHAPES_TEXT_TO_IMAGE_CONFIG, {
  encoder: { dim: 32, layers: 1, heads: 2 },
  unet: { baseChannels: 8, groups: 4, heads: 2, contextDim: 32, crossAttentionResolutions: [8] },
}) as TextToImageConfig;

/** A fresh temp folder holding `base/`, a seeded, slightly perturbed tiny model. */
export function tinyBase(prefix = 'refract-train-'): { dir: string; base: string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  torch.manualSeed(3);
  const m = new TextToImageModel(TINY_MODEL_CONFIG);
  torch.noGrad(() => {
    for (const p of m.parameters()) torch.scope(() => p.add_(torch.randnLike(p).mul(0.05)));
  });
  const base = path.join(dir, 'base');
  saveCheckpoint(base, m);
  m.dispose();
  return { dir, base };
}

/** Raw (unparsed) run config of a tiny GRPO run on the Shapes source. */
export function tinyRunConfig(base: string, out: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return mergeDeep(
    {
      algorithm: 'grpo',
      seed: 7,
      base,
      out,
      iterations: 4,
      threads: 1,
      rewards: [{ kind: 'shapes_gold', options: { total: 'partial', dense: false } }],
      eval: { every: 2, perCategory: 1, samplingSteps: 2, storeSamples: 2 },
      checkpoint: { every: 2, keep: 1 },
      grpo: { promptsPerIteration: 2, groupSize: 2, minibatchSize: 4, sampler: { steps: 3 }, lr: 1e-3 },
    },
    over,
  ) as Record<string, unknown>;
}

/**
 * A reward with variance on the tiny model's images (its gold scores are all equal, so GRPO's advantages would be
 * zero): the mean pixel value of each image.
 */
export function brightnessReward(): RewardModel {
  return {
    name: 'brightness',
    version: '1',
    components: ['brightness'],
    differentiable: false,
    score: async (batch) => {
      const total = Float32Array.from(batch.rgb ?? [], (img) => img.data.reduce((a, b) => a + b, 0) / img.data.length);
      return { total, components: { brightness: total }, meta: { name: 'brightness', version: '1' } };
    },
  };
}

/** A safetensors file's tensors as plain arrays by name (for exact before/after comparisons of saved weights). */
export function savedWeights(file: string): Map<string, number[]> {
  const sd = loadStateDictFile(file);
  const w = new Map([...sd].map(([k, t]) => [k, t.toArray()]));
  torch.disposeAll([...sd.values()]);
  return w;
}
