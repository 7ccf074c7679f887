// Fixtures for the algorithm tests: a tiny randomised text-to-image model, a continuous reward (mean
// brightness, so advantages are never all zero), and an AlgorithmContext over them.
import * as torch from '../../src/torch/index.js';
import { TextToImageModel, SHAPES_TEXT_TO_IMAGE_CONFIG, type TextToImageConfig } from '../../src/models/text-to-image.js';
import { mergeDeep } from '../../src/pretrain/loop.js';
import { shapesPromptSource } from '../../src/train/prompt-sources.js';
import type { RewardModel } from '../../src/rewards/types.js';
import type { AlgorithmContext } from '../../src/algorithms/algorithm.js';

const TINY = mergeDeep(SHAPES_TEXT_TO_IMAGE_CONFIG, {
  encoder: { dim: 32, layers: 1, heads: 2 },
  unet: { baseChannels: 8, groups: 4, contextDim: 32, heads: 2 },
}) as TextToImageConfig;

/** A tiny model with every parameter perturbed by N(0, 0.05²) from `seed` (so the zero-init output is not zero). */
export function tinyModel(seed: number): TextToImageModel {
  torch.manualSeed(seed);
  const m = new TextToImageModel(TINY);
  const g = new torch.Generator(seed);
  torch.noGrad(() => {
    for (const p of m.parameters()) torch.scope(() => p.add_(torch.randn(p.shape, { generator: g }).mul(0.05)));
  });
  g.dispose();
  return m;
}

/** A copy of `m` (same config, same weights). */
export function cloneModel(m: TextToImageModel): TextToImageModel {
  const c = new TextToImageModel(m.config);
  torch.scope(() => c.loadStateDict(m.stateDict()));
  return c;
}

/** Mean pixel brightness in [0, 1]: a smooth reward with distinct values per sample. */
export const brightnessReward: RewardModel = {
  name: 'brightness',
  version: '1',
  components: ['brightness'],
  differentiable: false,
  async score(batch) {
    const total = new Float32Array(batch.rgb!.map((im) => im.data.reduce((s, v) => s + v, 0) / im.data.length));
    return { total, components: { brightness: total }, meta: { name: 'brightness', version: '1' } };
  },
};

export function tinyContext(seed = 0, modelSeed = 1): AlgorithmContext & { policy: TextToImageModel } {
  const policy = tinyModel(modelSeed);
  const reference = cloneModel(policy);
  reference.requiresGrad_(false);
  reference.eval();
  return { policy, reference, reward: brightnessReward, prompts: shapesPromptSource(), seed };
}

/** All parameters of a model flattened into one array (for before/after comparisons). */
export function flatParameters(m: Pick<TextToImageModel, 'parameters'>): number[] {
  return torch.scope(() => m.parameters().flatMap((p) => p.detach().toArray()));
}

export function maxAbsDifference(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

export function disposeContext(ctx: AlgorithmContext): void {
  ctx.policy.dispose();
  ctx.reference.dispose();
}
