/**
 * Class-conditional accuracy of a generator on Fashion-MNIST or MNIST: for each class, sample `perClass` images
 * from its prompt ("a sneaker", "the digit 7") and ask the shipped classifier (trained by Refract,
 * assets/classifiers/) which class they show. Accuracy is the fraction classified as the prompted class — the
 * classifier-based "CAS" idea of Ravuri & Vinyals (arXiv 1905.10887) turned around: a fixed classifier judging
 * generated samples, as the RL reward of this testbed does. The classifier's own test accuracy (report.json, e.g.
 * 0.73 on Shirt) bounds what a per-class number can mean.
 */
import type { RGBImage } from '../../data/image.js';
import {
  FASHION_MNIST_PROMPTS,
  FASHION_MNIST_VOCABULARY,
  MNIST_PROMPTS,
  MNIST_VOCABULARY,
} from '../../data/class-prompts.js';
import { FASHION_MNIST_CLASSES } from '../../data/fashion-mnist.js';
import { MNIST_CLASSES } from '../../data/mnist.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import {
  generateImages,
  DEFAULT_EVAL_SAMPLING,
  type FlowSamplingOptions,
  type PromptModel,
} from '../../pipeline/text-to-image.js';
import type { ImageClassifier } from './classifier.js';
import { loadShippedClassifier } from './io.js';

export type ClassConditionalDataset = 'fashion-mnist' | 'mnist';

/** What each dataset's class-conditional task is: class names, their prompts, the vocabulary. */
export const CLASS_CONDITIONAL_TASKS: Readonly<
  Record<
    ClassConditionalDataset,
    { classNames: readonly string[]; prompts: readonly string[]; vocabulary: WordVocabulary }
  >
> = Object.freeze({
  'fashion-mnist': {
    classNames: FASHION_MNIST_CLASSES,
    prompts: FASHION_MNIST_PROMPTS,
    vocabulary: FASHION_MNIST_VOCABULARY,
  },
  mnist: { classNames: MNIST_CLASSES, prompts: MNIST_PROMPTS, vocabulary: MNIST_VOCABULARY },
});

export interface ClassConditionalEvalOptions {
  dataset: ClassConditionalDataset;
  /** Samples per class. */
  perClass: number;
  sampling: FlowSamplingOptions;
  samplingSeed: number;
  batchSize: number;
  /** Default: the shipped classifier of `dataset` (loaded and disposed here). */
  classifier?: ImageClassifier;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_CLASS_CONDITIONAL_EVAL: Readonly<Omit<ClassConditionalEvalOptions, 'dataset'>> = Object.freeze({
  perClass: 50,
  sampling: DEFAULT_EVAL_SAMPLING,
  samplingSeed: 0,
  batchSize: 50,
});

export interface ClassConditionalResult {
  /** Fraction of samples classified as their prompted class, over all classes (in [0, 1]). */
  accuracy: number;
  /** The same per class name. */
  perClass: Record<string, number>;
  /** Mean probability the classifier gives the prompted class (the dense reward's mean). */
  meanProb: number;
  n: number;
  /** images[c]: the samples of class c. */
  images: RGBImage[][];
}

export function evaluateClassConditional(
  model: PromptModel,
  opts: Partial<ClassConditionalEvalOptions> & { dataset: ClassConditionalDataset },
): ClassConditionalResult {
  const o = { ...DEFAULT_CLASS_CONDITIONAL_EVAL, ...opts };
  if (!Number.isInteger(o.perClass) || o.perClass < 1) {
    throw new Error(`refract eval ${o.dataset}: perClass must be a positive integer, got ${o.perClass}`);
  }
  const task = CLASS_CONDITIONAL_TASKS[o.dataset];
  const K = task.classNames.length;
  const labels = Array.from({ length: K * o.perClass }, (_, i) => Math.floor(i / o.perClass));
  const prompts = labels.map((c) => task.prompts[c]!);
  // Seeds depend on (class, j) only, so a smaller perClass gives a subset of a larger run's images.
  const seeds = labels.map((c, i) => o.samplingSeed * 1_000_003 + c * 10_007 + (i % o.perClass));
  const flat: RGBImage[] = [];
  for (let s = 0; s < prompts.length; s += o.batchSize) {
    const sampling = {
      ...o.sampling,
      vocabulary: task.vocabulary,
      seeds: seeds.slice(s, s + o.batchSize),
      batchSize: o.batchSize,
    };
    flat.push(...generateImages(model, prompts.slice(s, s + o.batchSize), sampling));
    o.onProgress?.(flat.length, prompts.length);
  }
  const classifier = o.classifier ?? loadShippedClassifier(o.dataset);
  try {
    const { labels: predicted, probs } = classifier.classify(flat);
    const correct = new Array<number>(K).fill(0);
    let probSum = 0;
    labels.forEach((c, i) => {
      if (predicted[i] === c) correct[c]!++;
      probSum += probs[i]![c]!;
    });
    const perClass = Object.fromEntries(task.classNames.map((name, c) => [name, correct[c]! / o.perClass]));
    const images = task.classNames.map((_, c) => flat.slice(c * o.perClass, (c + 1) * o.perClass));
    const n = labels.length;
    return { accuracy: correct.reduce((a, b) => a + b, 0) / n, perClass, meanProb: probSum / n, n, images };
  } finally {
    if (!o.classifier) classifier.dispose();
  }
}
