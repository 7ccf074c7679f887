/**
 * Saving and loading classifier evaluators as safetensors (huggingface/safetensors): the weights, plus the
 * metadata needed to rebuild the net and read its output — name, class names and CNN config — as JSON strings in
 * the header's `__metadata__`. Shipped weights live in `assets/classifiers/<name>/model.safetensors` with a
 * `report.json` beside them (test accuracy, training time, recipe).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../torch/index.js';
import { loadSafetensors, saveStateDict } from '../../torch/safetensors.js';
import { ImageClassifier } from './classifier.js';
import { SmallCnn, type CnnConfig } from './model.js';

/** Bumped when the metadata layout or the net's parameter names change. */
export const CLASSIFIER_FORMAT = 'refract-classifier-1';

export interface SaveClassifierOptions {
  /** Cast weights to float16 for a smaller file (the net is loaded back into float32). */
  dtype?: 'float32' | 'float16';
  /** Extra metadata (strings), e.g. the test accuracy. */
  extra?: Record<string, string>;
}

export function saveClassifier(file: string, classifier: ImageClassifier, opts: SaveClassifierOptions = {}): void {
  const metadata = {
    ...opts.extra,
    refract: CLASSIFIER_FORMAT,
    name: classifier.info.name,
    classNames: JSON.stringify(classifier.info.classNames),
    cnn: JSON.stringify(classifier.net.config),
  };
  const sd = classifier.net.stateDict();
  try {
    saveStateDict(file, sd, { metadata, dtype: opts.dtype ?? 'float32' });
  } finally {
    torch.disposeAll(sd);
  }
}

export function loadClassifier(file: string): ImageClassifier {
  const { tensors, metadata } = loadSafetensors(file);
  try {
    if (metadata.refract !== CLASSIFIER_FORMAT) {
      throw new Error(
        `refract classifier: ${file} must carry metadata refract=${CLASSIFIER_FORMAT}, got ${metadata.refract ?? 'none'} ` +
          '— it was not written by saveClassifier, or by an incompatible version; retrain it',
      );
    }
    const cnn = JSON.parse(metadata.cnn ?? 'null') as CnnConfig;
    const classNames = JSON.parse(metadata.classNames ?? '[]') as string[];
    const net = new SmallCnn(cnn);
    const sd = torch.scope(() => new Map([...tensors].map(([k, t]) => [k, t.to('float32')])));
    try {
      net.loadStateDict(sd);
    } finally {
      torch.disposeAll(sd);
    }
    net.eval();
    return new ImageClassifier(net, { name: metadata.name ?? path.basename(path.dirname(file)), classNames });
  } finally {
    torch.disposeAll(tensors);
  }
}

/** The repository root: the nearest folder above this module holding package.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error('refract classifier: no package.json above this module — run from a Refract checkout');
    dir = up;
  }
  return dir;
}

/** Where the shipped weights of classifier `name` live. */
export function classifierAssetPath(name: string): string {
  return path.join(repoRoot(), 'assets', 'classifiers', name, 'model.safetensors');
}

/** Loads the shipped classifier `name` ('fashion-mnist' or 'mnist'), with a hint when it has not been trained. */
export function loadShippedClassifier(name: string): ImageClassifier {
  const file = classifierAssetPath(name);
  if (!existsSync(file)) {
    throw new Error(
      `refract classifier: shipped weights ${file} must exist, got none — train them with trainRecipe('${name}') ` +
        '(src/eval/classifier/recipes.ts)',
    );
  }
  return loadClassifier(file);
}
