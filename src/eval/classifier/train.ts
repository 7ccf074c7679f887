/**
 * Trains the classifier evaluator on a real training split, inside Refract: AdamW (Loshchilov & Hutter,
 * arXiv 1711.05101) with linear warmup and cosine decay, cross-entropy, shuffled mini-batches padded to 32×32.
 * Runs for `epochs` passes or `maxSteps` optimizer steps, whichever comes first, and reports progress through a
 * callback so a CLI can draw a bar and a test can stay silent. Seeded end to end (weights from a torch Generator,
 * batch order from our Rng), so a recipe run twice on one machine gives the same weights.
 */
import * as torch from '../../torch/index.js';
import { AdamW, LRScheduler, warmupCosine } from '../../torch/optim/index.js';
import { Rng } from '../../data/rng.js';
import { batchIndices, makeBatch, type LabeledImages } from '../../data/labeled-images.js';
import { ImageClassifier } from './classifier.js';
import { DEFAULT_CNN_CONFIG, SmallCnn, type CnnConfig } from './model.js';

export interface TrainConfig {
  /** Passes over the training set (the run stops at whichever of epochs and maxSteps comes first). */
  epochs: number;
  /** Optimizer-step budget; 0 means no budget beyond `epochs`. */
  maxSteps: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** Linear warmup steps before the cosine decay. */
  warmupSteps: number;
  seed: number;
  /** Report progress every this many steps (and at the end). */
  logEvery: number;
  /**
   * libtorch intra-op threads while training (restored afterwards); 0 keeps the current setting. Default 1: the
   * net is small, and on a busy 2-core machine two OpenMP threads made each step 4–7× slower than one (measured:
   * 320–510 ms vs 85 ms per batch of 64), as spinning workers wait on a descheduled sibling.
   */
  threads: number;
  cnn: Readonly<CnnConfig>;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  epochs: 3,
  maxSteps: 0,
  batchSize: 64,
  lr: 2e-3,
  weightDecay: 1e-4,
  warmupSteps: 100,
  seed: 0,
  logEvery: 100,
  threads: 1,
  cnn: DEFAULT_CNN_CONFIG,
});

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Mean loss and accuracy over the steps since the previous report. */
  loss: number;
  accuracy: number;
  elapsedMs: number;
}

export interface TrainResult {
  classifier: ImageClassifier;
  steps: number;
  elapsedMs: number;
  /** The last progress report. */
  last: TrainProgress;
}

/** Trains a fresh SmallCnn on `train`; `name` labels the resulting classifier (e.g. 'fashion-mnist'). */
export function trainClassifier(
  train: LabeledImages,
  name: string,
  config: Partial<TrainConfig> = {},
  onProgress?: (p: TrainProgress) => void,
): TrainResult {
  const c = validate({ ...DEFAULT_TRAIN_CONFIG, ...config });
  const batchesPerEpoch = Math.ceil(train.count / c.batchSize);
  const epochSteps = Math.ceil(c.epochs * batchesPerEpoch);
  const totalSteps = c.maxSteps > 0 ? Math.min(c.maxSteps, epochSteps) : epochSteps;
  const gen = new torch.Generator(c.seed);
  const net = new SmallCnn({ ...c.cnn, numClasses: train.classNames.length }, { generator: gen });
  gen.dispose();
  const opt = new AdamW(net.parameters(), { lr: c.lr, weightDecay: c.weightDecay });
  const sched = new LRScheduler(
    opt,
    warmupCosine({ warmupSteps: Math.min(c.warmupSteps, totalSteps - 1), totalSteps }),
  );
  const rng = new Rng(c.seed);
  const previousThreads = torch.getNumThreads();
  if (c.threads > 0) torch.setNumThreads(c.threads);
  const start = performance.now();
  let step = 0;
  let sumLoss = 0;
  let sumCorrect = 0;
  let seen = 0;
  let last: TrainProgress = { step: 0, totalSteps, epoch: 0, loss: NaN, accuracy: NaN, elapsedMs: 0 };
  net.train();
  try {
    for (let epoch = 0; step < totalSteps; epoch++) {
      for (const idx of batchIndices(train.count, c.batchSize, rng)) {
        if (step >= totalSteps) break;
        const { loss, correct } = trainStep(net, opt, train, idx);
        sched.step();
        step++;
        sumLoss += loss * idx.length;
        sumCorrect += correct;
        seen += idx.length;
        if (step % c.logEvery === 0 || step === totalSteps) {
          last = {
            step,
            totalSteps,
            epoch,
            loss: sumLoss / seen,
            accuracy: sumCorrect / seen,
            elapsedMs: performance.now() - start,
          };
          onProgress?.(last);
          sumLoss = sumCorrect = seen = 0;
        }
      }
    }
  } finally {
    opt.dispose();
    if (c.threads > 0) torch.setNumThreads(previousThreads);
  }
  net.eval();
  const classifier = new ImageClassifier(net, { name, classNames: train.classNames });
  return { classifier, steps: step, elapsedMs: performance.now() - start, last };
}

/** One AdamW step on the batch `idx`; returns its loss and number of correct predictions. */
function trainStep(
  net: SmallCnn,
  opt: AdamW,
  train: LabeledImages,
  idx: Int32Array,
): { loss: number; correct: number } {
  return torch.scope(() => {
    const { images, labels } = makeBatch(train, idx, { size: 32, fit: 'pad' });
    const logits = net.forward(images);
    const loss = torch.F.crossEntropy(logits, labels);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const correct = torch.noGrad(() => logits.argmax(1).eq(labels).sum().item());
    return { loss: loss.item(), correct };
  });
}

function validate(c: TrainConfig): TrainConfig {
  const positive: (keyof TrainConfig)[] = ['epochs', 'batchSize', 'lr', 'logEvery'];
  for (const k of positive) {
    const v = c[k];
    if (typeof v !== 'number' || !(v > 0)) {
      throw new Error(`refract classifier: train config ${k} must be > 0, got ${String(v)}`);
    }
  }
  for (const k of ['maxSteps', 'warmupSteps', 'batchSize', 'logEvery', 'threads'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) {
      throw new Error(`refract classifier: train config ${k} must be a non-negative integer, got ${c[k]}`);
    }
  }
  if (!(c.weightDecay >= 0))
    throw new Error(`refract classifier: train config weightDecay must be ≥ 0, got ${c.weightDecay}`);
  return c;
}
