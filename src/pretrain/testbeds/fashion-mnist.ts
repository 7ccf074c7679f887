// Fashion-MNIST (Xiao et al., arXiv 1708.07747) as a class-conditional pretraining testbed: "a sneaker" → a sneaker.
import { loadFashionMnist } from '../../data/fashion-mnist.js';
import { FASHION_MNIST_PROMPTS, FASHION_MNIST_VOCABULARY } from '../../data/class-prompts.js';
import { classConditionalTestbed } from './class-conditional.js';

export const FASHION_MNIST_TESTBED = classConditionalTestbed({
  name: 'fashion_mnist',
  dataset: 'fashion-mnist',
  load: () => loadFashionMnist('train'),
  prompts: FASHION_MNIST_PROMPTS,
  vocabulary: FASHION_MNIST_VOCABULARY,
});
