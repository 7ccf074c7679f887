/**
 * Class-conditional alignment for the real-data testbed (DESIGN §4): the log-probability of the prompted class
 * under a trained classifier (src/eval/classifier, e.g. the shipped Fashion-MNIST or MNIST SmallCnn). The
 * classifier is an ordinary Module, so the reward is differentiable w.r.t. the images — the reward that ReFL /
 * DRaFT back-propagate (as DDPO's aesthetic scorer is, arXiv 2305.13301). Log-probability rather than
 * probability: it keeps a gradient when the class is unlikely (p → 0 saturates the softmax).
 *
 * Components: `log_prob` (= total) and `prob`, and `correct` (1 when the prompted class is the arg-max).
 * Wrapping a classifier freezes it (requiresGrad off on its parameters).
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { ImageClassifier } from '../eval/classifier/classifier.js';
import { FASHION_MNIST_PROMPTS, MNIST_PROMPTS } from '../data/class-prompts.js';
import { batchImageTensor } from './batch.js';
import type { DifferentiableRewardModel, RewardBatch, RewardPrompt, RewardResult } from './types.js';

export interface ClassifierRewardOptions {
  /** Reward name (default `classifier_<classifier name>`). */
  name?: string;
  /**
   * The testbed's prompt of each class, in label order (src/data/class-prompts.ts); defaults to the shipped
   * testbed's list for classifiers named 'fashion-mnist' or 'mnist'.
   */
  classPrompts?: readonly string[];
}

const SHIPPED_PROMPTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'fashion-mnist': FASHION_MNIST_PROMPTS,
  mnist: MNIST_PROMPTS,
});

/**
 * The prompted class: `classIndex`; else the class whose testbed prompt equals the text (case and surrounding
 * space ignored: "a t-shirt" must not read as "Shirt"); else the class whose name occurs in the text
 * (case-insensitive, longest name first so "Ankle boot" wins over shorter overlaps).
 */
export function promptedClass(
  p: RewardPrompt,
  classNames: readonly string[],
  i = 0,
  classPrompts: readonly string[] = [],
): number {
  if (p.classIndex !== undefined) {
    if (!Number.isInteger(p.classIndex) || p.classIndex < 0 || p.classIndex >= classNames.length) {
      throw new Error(
        `refract reward classifier: prompts[${i}].classIndex must be an integer in [0, ${classNames.length}), got ${p.classIndex}`,
      );
    }
    return p.classIndex;
  }
  const text = p.text.trim().toLowerCase();
  const exact = classPrompts.findIndex((c) => c.trim().toLowerCase() === text);
  if (exact >= 0) return exact;
  const order = classNames.map((n, k) => ({ n: n.toLowerCase(), k })).sort((a, b) => b.n.length - a.n.length);
  const hit = order.find(({ n }) => text.includes(n));
  if (hit === undefined) {
    throw new Error(
      `refract reward classifier: prompts[${i}] must name a class (${classNames.join(', ')}) or set classIndex, ` +
        `got "${p.text}"`,
    );
  }
  return hit.k;
}

export class ClassifierReward implements DifferentiableRewardModel {
  readonly name: string;
  readonly version = '1';
  readonly components = ['log_prob', 'prob', 'correct'] as const;
  readonly differentiable = true;
  readonly classPrompts: readonly string[];

  constructor(
    readonly classifier: ImageClassifier,
    opts: ClassifierRewardOptions = {},
  ) {
    this.name = opts.name ?? `classifier_${classifier.info.name}`;
    this.classPrompts = opts.classPrompts ?? SHIPPED_PROMPTS[classifier.info.name] ?? [];
    // A reward is frozen: back-propagating it into the policy must not accumulate gradients in the classifier.
    classifier.net.requiresGrad_(false);
  }

  /** log p(prompted class | image) [B]; images in [−1, 1], graph kept. The net stays in eval mode. */
  scoreDifferentiable(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    const B = images.shape[0];
    if (B !== prompts.length) {
      throw new Error(
        `refract reward classifier: images and prompts must have one entry per sample, got ${B} and ${prompts.length}`,
      );
    }
    const labels = Int32Array.from(prompts, (p, i) =>
      promptedClass(p, this.classifier.info.classNames, i, this.classPrompts),
    );
    this.classifier.net.eval();
    return torch.scope(() => {
      // The classifier reads [0, 1] images (src/eval/classifier/classifier.ts): undo the model range first.
      const logp = this.classifier.logits(images.add(1).div(2)).logSoftmax(1);
      const idx = torch.fromTypedArray(labels, [B, 1]).long();
      return logp.gather(1, idx).squeeze(1);
    });
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const x = batchImageTensor(batch, `reward ${this.name}`);
    try {
      const B = batch.prompts.length;
      const labels = batch.prompts.map((p, i) =>
        promptedClass(p, this.classifier.info.classNames, i, this.classPrompts),
      );
      const { logp, argmax } = torch.scope(() =>
        torch.noGrad(() => {
          const lp = this.classifier.logits(x.add(1).div(2)).logSoftmax(1);
          return { logp: lp.toTypedArray() as Float32Array, argmax: lp.argmax(1).int().toTypedArray() as Int32Array };
        }),
      );
      const K = this.classifier.numClasses;
      const logProb = Float32Array.from({ length: B }, (_, i) => logp[i * K + labels[i]!]!);
      return {
        total: Float32Array.from(logProb),
        components: {
          log_prob: logProb,
          prob: logProb.map(Math.exp),
          correct: Float32Array.from(labels, (l, i) => (argmax[i] === l ? 1 : 0)),
        },
        meta: { name: this.name, version: this.version, model: this.classifier.info.name },
      };
    } finally {
      x.dispose();
    }
  }
}

export function classifierReward(classifier: ImageClassifier, opts: ClassifierRewardOptions = {}): ClassifierReward {
  return new ClassifierReward(classifier, opts);
}
