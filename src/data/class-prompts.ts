/**
 * Class-conditional prompts for the labelled real-data testbeds (Fashion-MNIST, MNIST): one fixed prompt per class
 * ("a sneaker", "the digit 7") and the word vocabulary that spells them, plus the training batch that pairs
 * images with their class's prompt.
 *
 * Why prompts rather than a label embedding: the generator stays a TextToImageModel, so the RL stack (rollouts,
 * the null prompt of classifier-free guidance, checkpoints, `refract sample`) works unchanged across testbeds,
 * and prompts can later grow compositional ("a sneaker and a bag"). With ten prompts and a 16-word vocabulary the
 * prompt encoder is in effect a learned label embedding, at negligible cost next to the U-Net.
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Rng } from './rng.js';
import { makeBatch, type LabeledImages } from './labeled-images.js';
import { WordVocabulary, dropPrompts } from './vocabulary.js';

/** Prompt of each Fashion-MNIST class, in label order (FASHION_MNIST_CLASSES). */
export const FASHION_MNIST_PROMPTS: readonly string[] = Object.freeze([
  'a t-shirt',
  'a pair of trousers',
  'a pullover',
  'a dress',
  'a coat',
  'a sandal',
  'a shirt',
  'a sneaker',
  'a bag',
  'an ankle boot',
]);

export const FASHION_MNIST_VOCABULARY = new WordVocabulary(
  'fashion-mnist',
  [
    '<pad>',
    '<unk>',
    'a',
    'an',
    'pair',
    'of',
    't-shirt',
    'trousers',
    'pullover',
    'dress',
    'coat',
    'sandal',
    'shirt',
    'sneaker',
    'bag',
    'ankle',
    'boot',
  ],
  4,
);

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Prompt of each digit: "the digit 7". */
export const MNIST_PROMPTS: readonly string[] = Object.freeze(DIGITS.map((d) => `the digit ${d}`));

export const MNIST_VOCABULARY = new WordVocabulary('mnist', ['<pad>', '<unk>', 'the', 'digit', ...DIGITS], 4);

export interface ClassConditionalBatch {
  /** [B, 1, 32, 32] in [−1, 1]: 28×28 padded with 2 black pixels (as the classifier's inputs, labeled-images.ts). */
  images: Tensor;
  /** [B, maxTokens] int64; all-pad rows are the null prompt. */
  tokens: Tensor;
  labels: Int32Array;
  prompts: string[];
}

/**
 * B uniformly drawn training images with their class prompts; each prompt becomes the null prompt with
 * probability `condDropout`. Draw order: B indices, then B dropout coins.
 */
export function classConditionalBatch(
  rng: Rng,
  batchSize: number,
  ds: LabeledImages,
  prompts: readonly string[],
  vocabulary: WordVocabulary,
  condDropout = 0,
): ClassConditionalBatch {
  if (prompts.length !== ds.classNames.length) {
    throw new Error(
      `refract data: prompts must give one prompt per class of ${ds.name} (${ds.classNames.length}), got ${prompts.length}`,
    );
  }
  const indices = Int32Array.from({ length: batchSize }, () => rng.int(0, ds.count - 1));
  const labels = Int32Array.from(indices, (i) => ds.labels[i]!);
  const texts = dropPrompts(
    Array.from(labels, (c) => prompts[c]!),
    condDropout,
    () => rng.uniform(),
  );
  return torch.scope(() => {
    const b = makeBatch(ds, indices, { size: 32, fit: 'pad', range: 'signed' });
    b.labels.dispose();
    return { images: b.images, tokens: vocabulary.tokenizeBatch(texts), labels, prompts: texts };
  });
}
