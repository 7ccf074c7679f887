/**
 * Physics evaluation of a text-to-video model on the moving-shapes world: draw `clips` prompts from the training
 * distribution with a fixed evaluation seed, generate one clip each, and judge every clip with the gold physics
 * evaluator (evaluateClip). The pass rate is the fraction of clips with no reason to reject them (every object
 * present, right shape and size, moving by the prompted law); the score is the mean per-frame plausibility.
 */
import type { RGBImage } from '../../data/image.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import { sampleMovingClip, DEFAULT_MOVING_SAMPLE } from '../../data/moving-shapes/sampler.js';
import { MOVING_VOCABULARY } from '../../data/moving-shapes/batch.js';
import type { TextToVideoModel } from '../../models/text-to-video.js';
import { DEFAULT_EVAL_SAMPLING, type FlowSamplingOptions } from '../../pipeline/text-to-image.js';
import { generateClips } from '../../pipeline/text-to-video.js';
import { evaluateClip } from './evaluate.js';

/** Seed of the evaluation prompts (fixed, so numbers compare across checkpoints). */
export const MOVING_EVAL_SEED = 20260;

export interface MovingEvalOptions {
  /** Number of clips (prompt i is drawn from Rng(deriveSeed(promptSeed, i)), so subsets are nested). */
  clips: number;
  promptSeed: number;
  samplingSeed: number;
  sampling: FlowSamplingOptions;
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_MOVING_EVAL: Readonly<MovingEvalOptions> = Object.freeze({
  clips: 60,
  promptSeed: MOVING_EVAL_SEED,
  samplingSeed: 0,
  sampling: DEFAULT_EVAL_SAMPLING,
  batchSize: 16,
});

export interface MovingEvalResult {
  /** Fraction of clips the physics evaluator passes, in [0, 1]. */
  passRate: number;
  /** Mean per-frame plausibility, in [0, 1]. */
  score: number;
  /** Pass rate of one- and two-object prompts (NaN when there were none). */
  byObjects: { one: number; two: number };
  n: number;
  prompts: string[];
  clips: RGBImage[][];
  /** passed[i]: the physics evaluator's verdict on clip i. */
  passed: boolean[];
  /** seeds[i]: the sampling seed of clip i. */
  seeds: number[];
}

export function evaluateMovingShapesModel(
  model: TextToVideoModel,
  opts: Partial<MovingEvalOptions> = {},
): MovingEvalResult {
  const o = { ...DEFAULT_MOVING_EVAL, ...opts };
  if (!Number.isInteger(o.clips) || o.clips < 1) {
    throw new Error(`refract eval moving-shapes: clips must be a positive integer, got ${o.clips}`);
  }
  const frames = model.config.unet.frames;
  const prompts = Array.from(
    { length: o.clips },
    (_, i) => sampleMovingClip(new Rng(deriveSeed(o.promptSeed, i)), { ...DEFAULT_MOVING_SAMPLE, frames }).prompt.text,
  );
  const seeds = prompts.map((_, i) => o.samplingSeed * 1_000_003 + i);
  const clips: RGBImage[][] = [];
  for (let s = 0; s < prompts.length; s += o.batchSize) {
    const sampling = {
      ...o.sampling,
      vocabulary: MOVING_VOCABULARY,
      seeds: seeds.slice(s, s + o.batchSize),
      batchSize: o.batchSize,
    };
    clips.push(...generateClips(model, prompts.slice(s, s + o.batchSize), sampling));
    o.onProgress?.(clips.length, prompts.length);
  }
  const verdicts = clips.map((c, i) => evaluateClip(c, prompts[i]!));
  const rate = (pick: (i: number) => boolean): number => {
    const idx = verdicts.map((_, i) => i).filter(pick);
    return idx.length === 0 ? NaN : idx.filter((i) => verdicts[i]!.pass).length / idx.length;
  };
  const twoObjects = (i: number): boolean => prompts[i]!.includes(' and ');
  return {
    passRate: rate(() => true),
    score: verdicts.reduce((a, v) => a + v.score, 0) / verdicts.length,
    byObjects: { one: rate((i) => !twoObjects(i)), two: rate(twoObjects) },
    n: verdicts.length,
    prompts,
    clips,
    passed: verdicts.map((v) => v.pass),
    seeds,
  };
}
