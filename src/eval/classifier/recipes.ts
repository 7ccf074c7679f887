/**
 * The two shipped classifier evaluators and how they were made: a recipe names a dataset loader and a training
 * config. `trainRecipe` trains on the train split, measures the test split, and (given an output folder) writes
 * `model.safetensors` and `report.json` — the one-off script behind assets/classifiers/.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadFashionMnist } from '../../data/fashion-mnist.js';
import { loadMnist } from '../../data/mnist.js';
import type { LabeledImages } from '../../data/labeled-images.js';
import { measureAccuracy, type AccuracyReport } from './accuracy.js';
import type { ImageClassifier } from './classifier.js';
import { classifierAssetPath, saveClassifier } from './io.js';
import { trainClassifier, type TrainConfig, type TrainProgress } from './train.js';

export type RecipeName = 'fashion-mnist' | 'mnist';

export interface Recipe {
  load: (split: 'train' | 'test') => LabeledImages;
  train: Partial<TrainConfig>;
  /** The test accuracy the recipe is expected to reach (checked by trainRecipe's caller, reported here). */
  target: number;
}

export const RECIPES: Readonly<Record<RecipeName, Recipe>> = Object.freeze({
  'fashion-mnist': { load: (s) => loadFashionMnist(s), train: { epochs: 3, batchSize: 64, lr: 2e-3 }, target: 0.88 },
  // 8 004 training digits only (the npm package's subset), so more passes for the same number of steps.
  mnist: { load: (s) => loadMnist(s), train: { epochs: 12, batchSize: 64, lr: 2e-3 }, target: 0.97 },
});

export interface RecipeResult {
  classifier: ImageClassifier;
  test: AccuracyReport;
  trainMs: number;
  steps: number;
  /** Bytes of the written model file, when one was written. */
  fileBytes?: number;
}

/**
 * Trains recipe `name`. With `save: true` the weights go to assets/classifiers/<name>/ (or `outDir`), with a
 * report.json holding the test accuracy, per-class accuracy, time and config.
 */
export function trainRecipe(
  name: RecipeName,
  opts: {
    save?: boolean;
    outDir?: string;
    overrides?: Partial<TrainConfig>;
    onProgress?: (p: TrainProgress) => void;
  } = {},
): RecipeResult {
  const recipe = RECIPES[name];
  if (!recipe)
    throw new Error(`refract classifier: recipe must be one of ${Object.keys(RECIPES).join(', ')}, got '${name}'`);
  const config = { ...recipe.train, ...opts.overrides };
  const { classifier, elapsedMs, steps } = trainClassifier(recipe.load('train'), name, config, opts.onProgress);
  const test = measureAccuracy(classifier, recipe.load('test'));
  const result: RecipeResult = { classifier, test, trainMs: elapsedMs, steps };
  if (opts.save) {
    const file = opts.outDir ? path.join(opts.outDir, 'model.safetensors') : classifierAssetPath(name);
    mkdirSync(path.dirname(file), { recursive: true });
    saveClassifier(file, classifier, { extra: { testAccuracy: test.accuracy.toFixed(4) } });
    result.fileBytes = statSync(file).size;
    const report = {
      name,
      testAccuracy: test.accuracy,
      perClass: Object.fromEntries(classifier.info.classNames.map((c, i) => [c, round4(test.perClass[i])])),
      testCount: test.count,
      trainSeconds: Math.round(elapsedMs / 100) / 10,
      steps,
      config,
      fileBytes: result.fileBytes,
    };
    writeFileSync(path.join(path.dirname(file), 'report.json'), JSON.stringify(report, null, 2) + '\n');
  }
  return result;
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
