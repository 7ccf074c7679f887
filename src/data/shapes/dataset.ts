/**
 * Pretraining data for the shapes world: (prompt, scene, image) triples mixing GenEval's six categories, with
 * held-out combinations excluded (held-out.ts) so the base model has compositional gaps that RL must close.
 */
import { addGaussianNoise, type RGBImage } from '../image.js';
import type { Rng } from '../rng.js';
import { samplePrompt } from './grammar.js';
import { DEFAULT_HELD_OUT, type HeldOutSpec } from './held-out.js';
import { renderScene } from './render.js';
import { sampleScene } from './scene-sampler.js';
import { CATEGORIES, IMAGE_SIZE, type Category, type Scene, type ShapesPrompt } from './types.js';

export interface TrainingSampleOptions {
  /** Combinations never shown; null shows everything. */
  heldOut: Readonly<HeldOutSpec> | null;
  /** Relative category frequencies (need not sum to 1); missing categories get weight 0. */
  categoryWeights: Readonly<Partial<Record<Category, number>>>;
  /** Std of Gaussian pixel noise added to the rendered image (0 = clean). */
  noiseStd: number;
  width: number;
  height: number;
}

export const DEFAULT_TRAINING_SAMPLE_OPTIONS: Readonly<TrainingSampleOptions> = Object.freeze({
  heldOut: DEFAULT_HELD_OUT,
  categoryWeights: Object.freeze(Object.fromEntries(CATEGORIES.map((c) => [c, 1]))),
  noiseStd: 0,
  width: IMAGE_SIZE,
  height: IMAGE_SIZE,
});

export interface TrainingExample {
  prompt: ShapesPrompt;
  scene: Scene;
  image: RGBImage;
}

function pickCategory(rng: Rng, weights: Readonly<Partial<Record<Category, number>>>): Category {
  const positive = CATEGORIES.map((c) => [c, weights[c] ?? 0] as const).filter(([, w]) => w > 0);
  if (positive.length === 0) {
    throw new Error(
      `refract shapes: categoryWeights must give some category a positive weight, got ${JSON.stringify(weights)}`,
    );
  }
  let u = rng.uniform() * positive.reduce((s, [, w]) => s + w, 0);
  for (const [c, w] of positive) {
    u -= w;
    if (u < 0) return c;
  }
  return positive[positive.length - 1][0]; // floating-point edge: u landed on the total
}

/** One training triple; deterministic given the rng state. */
export function sampleTrainingExample(rng: Rng, opts: Partial<TrainingSampleOptions> = {}): TrainingExample {
  const o = { ...DEFAULT_TRAINING_SAMPLE_OPTIONS, ...opts };
  const category = pickCategory(rng, o.categoryWeights);
  const prompt = samplePrompt(rng, category, o.heldOut ?? undefined);
  const scene = sampleScene(prompt, rng, { heldOut: o.heldOut, width: o.width, height: o.height });
  const clean = renderScene(scene);
  const image = o.noiseStd > 0 ? addGaussianNoise(clean, o.noiseStd, rng) : clean;
  return { prompt, scene, image };
}

/** `n` training triples drawn one after another from `rng`. */
export function sampleTrainingBatch(rng: Rng, n: number, opts: Partial<TrainingSampleOptions> = {}): TrainingExample[] {
  return Array.from({ length: n }, () => sampleTrainingExample(rng, opts));
}
