// ShapesEval of a model: generate images for the (sub)set's prompts, score them with the gold evaluator.
import { shapesEvalPrompts, scoreShapesEval, type ShapesEvalScore, type ShapesEvalSet, SHAPES_EVAL_SEED } from './shapes-eval.js';
import type { Category } from '../../data/shapes/types.js';
import {
  generateImagesWithPredictions,
  DEFAULT_EVAL_SAMPLING,
  type FlowSamplingOptions,
  type PromptModel,
} from '../../pipeline/text-to-image.js';
import type { RGBImage } from '../../data/image.js';

export interface ModelEvalOptions {
  /** Prompts per category (≤ 120); the first k of each, so subsets are nested. */
  perCategory: number;
  /** Only these categories' prompts (default all six); seeds stay those of the full set. */
  categories?: readonly Category[];
  /** Images per prompt (GenEval uses 4). */
  samplesPerPrompt: number;
  /** Seed of the prompt set (fixed by ShapesEval) — the sampling seed is `samplingSeed`. */
  promptSeed: number;
  samplingSeed: number;
  sampling: FlowSamplingOptions;
  batchSize: number;
  /** Called after each batch with (done, total) images. */
  onProgress?: (done: number, total: number) => void;
  /** Keep the x̂₀ of the first `predictionLimit` images (in set order) at these denoising steps (default none). */
  predictionSteps?: readonly number[];
  predictionLimit?: number;
}

export const DEFAULT_MODEL_EVAL: Readonly<ModelEvalOptions> = Object.freeze({
  perCategory: 120,
  samplesPerPrompt: 1,
  promptSeed: SHAPES_EVAL_SEED,
  samplingSeed: 0,
  sampling: DEFAULT_EVAL_SAMPLING,
  batchSize: 60,
});

export interface ModelEvalResult {
  score: ShapesEvalScore;
  /** The prompts evaluated, in order (with their index in the full set and held-out flag). */
  set: ShapesEvalSet;
  /** images[i][j]: the j-th image of prompt i (for sample grids). */
  images: RGBImage[][];
  prompts: string[];
  /** predictions[i][k]: image i's (flat order: prompt-major) x̂₀ at predictionSteps[k], for the first predictionLimit. */
  predictions: RGBImage[][];
}

export function evaluateShapesModel(model: PromptModel, opts: Partial<ModelEvalOptions> = {}): ModelEvalResult {
  const o = { ...DEFAULT_MODEL_EVAL, ...opts };
  const full = shapesEvalPrompts({ perCategory: o.perCategory, seed: o.promptSeed });
  const only = o.categories;
  const set = only === undefined ? full : { ...full, prompts: full.prompts.filter((p) => only.includes(p.category)) };
  const texts = set.prompts.flatMap((p) => Array.from({ length: o.samplesPerPrompt }, () => p.text));
  // Seeds depend on the prompt's index in the full set, so a subset's images equal the full run's.
  const seeds = set.prompts.flatMap((p) =>
    Array.from({ length: o.samplesPerPrompt }, (_, j) => o.samplingSeed * 1_000_003 + p.index * 16 + j),
  );
  const flat: RGBImage[] = [];
  const predictions: RGBImage[][] = [];
  const limit = o.predictionLimit ?? texts.length;
  for (let s = 0; s < texts.length; s += o.batchSize) {
    const batch = generateImagesWithPredictions(model, texts.slice(s, s + o.batchSize), {
      ...o.sampling,
      seeds: seeds.slice(s, s + o.batchSize),
      batchSize: o.batchSize,
      predictionSteps: o.predictionSteps ?? [],
      predictionLimit: Math.max(0, limit - s),
    });
    flat.push(...batch.images);
    predictions.push(...batch.predictions);
    o.onProgress?.(flat.length, texts.length);
  }
  const images = set.prompts.map((_, i) => flat.slice(i * o.samplesPerPrompt, (i + 1) * o.samplesPerPrompt));
  return { score: scoreShapesEval(set, images), set, images, prompts: set.prompts.map((p) => p.text), predictions };
}
