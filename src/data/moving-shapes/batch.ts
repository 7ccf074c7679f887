// Moving-shapes training batches as tensors: clips [B, 3, F, H, W] in [−1, 1] and prompt token ids, with the
// word vocabulary of the moving-shapes grammar (its verbs are not in the still-image Shapes vocabulary).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Rng } from '../rng.js';
import { WordVocabulary, dropPrompts } from '../vocabulary.js';
import { COLORS } from '../shapes/types.js';
import { MOVING_SHAPES } from './types.js';
import { sampleMovingClip, type MovingSampleOptions } from './sampler.js';
import { renderClip, packFrames } from './render.js';

/** Longest prompt: two phrases "a <colour> <shape> moving <dir>" joined by "and" = 11 words. */
export const MOVING_MAX_TOKENS = 12;

export const MOVING_VOCABULARY = new WordVocabulary(
  'moving-shapes',
  [
    '<pad>',
    '<unk>',
    'a',
    'an',
    'and',
    ...COLORS,
    ...MOVING_SHAPES,
    'moving',
    'left',
    'right',
    'up',
    'down',
    'bouncing',
    'falling',
  ],
  MOVING_MAX_TOKENS,
);

export interface MovingTensorBatch {
  /** [B, 3, F, 32, 32] in [−1, 1] (the VideoUNet's layout: channels before frames). */
  clips: Tensor;
  /** [B, MOVING_MAX_TOKENS] int64; all-pad rows are the null prompt. */
  tokens: Tensor;
  prompts: string[];
}

/**
 * B clips from the seeded sampler, rendered; each prompt becomes the null prompt with probability `condDropout`
 * (Ho & Salimans, arXiv 2207.12598). Draw order: the B clips, then B dropout coins.
 */
export function movingTensorBatch(
  rng: Rng,
  batchSize: number,
  opts: Partial<MovingSampleOptions> & { condDropout?: number } = {},
): MovingTensorBatch {
  const samples = Array.from({ length: batchSize }, () => sampleMovingClip(rng, opts));
  const prompts = dropPrompts(
    samples.map((s) => s.prompt.text),
    opts.condDropout ?? 0,
    () => rng.uniform(),
  );
  const F = samples[0]?.clip.frames ?? 0;
  const { width: W, height: H } = samples[0]?.clip ?? { width: 0, height: 0 };
  const data = new Float32Array(batchSize * F * 3 * H * W);
  samples.forEach((s, i) => {
    const packed = packFrames(renderClip(s.clip, s.trajectories)); // [F, 3, H, W] in [0, 1]
    for (let k = 0; k < packed.length; k++) data[i * packed.length + k] = packed[k]! * 2 - 1;
  });
  return torch.scope(() => ({
    clips: torch.fromTypedArray(data, [batchSize, F, 3, H, W]).permute(0, 2, 1, 3, 4).contiguous(),
    tokens: MOVING_VOCABULARY.tokenizeBatch(prompts),
    prompts,
  }));
}
