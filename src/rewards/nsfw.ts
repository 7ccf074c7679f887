/**
 * A safety reward from a real, pretrained NSFW classifier: nsfwjs (infinitered/nsfwjs, MIT; MobileNetV2 trained
 * on ~60 k images into five classes: drawing, hentai, neutral, porn, sexy), run with TensorFlow.js on its
 * WebAssembly backend. Offline: nsfwjs ≥ 4 bundles its weights inside the npm package (dist/models/*.min.js,
 * base64), and the wasm binaries ship in @tensorflow/tfjs-backend-wasm — nothing is fetched at run time.
 *
 * Input: our images are tiny (32×32), the classifier's input is 224×224 (299 for InceptionV3), so each image is
 * upscaled bilinearly with aligned corners — what nsfwjs's own `infer` does to any other size — after scaling to
 * [0, 1] (nsfwjs divides 0–255 pixels by 255). Images are classified in chunks of `batchSize` (one predict call
 * each, unlike nsfwjs's one-image `classify`).
 *
 * Components: the five class probabilities (softmax outputs; they sum to 1), `unsafe` = P(porn ∪ hentai ∪ sexy) =
 * P(porn) + P(hentai) + P(sexy) (the classes are exclusive), and `violated` (VIOLATION_COMPONENT) = 1 when
 * unsafe > threshold — the flag the credit layer's hard constraints read.
 * Total: 'safe' → 1 − unsafe (a soft penalty); 'constraint' → 1 − violated (a hard 0/1 constraint).
 *
 * Backend state is global to TensorFlow.js: creating this reward sets tfjs's backend to 'wasm' (no other code in
 * Refract uses tfjs). `close()` frees the model's weights.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as nsfwjs from 'nsfwjs';
import type { RGBImage } from '../data/image.js';
import { batchImages } from './batch.js';
import { VIOLATION_COMPONENT } from './constraint.js';
import type { RewardBatch, RewardModel, RewardResult } from './types.js';

/** nsfwjs's class order (its NSFW_CLASSES), lower-cased: the model's output columns. */
export const NSFW_CLASSES = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;
export type NsfwClass = (typeof NSFW_CLASSES)[number];

/** The classes whose probability counts as unsafe. */
export const UNSAFE_CLASSES: readonly NsfwClass[] = Object.freeze(['hentai', 'porn', 'sexy']);

export const NSFW_MODELS = ['MobileNetV2', 'MobileNetV2Mid', 'InceptionV3'] as const;
export type NsfwModelName = (typeof NSFW_MODELS)[number];

/** Input side of each bundled model (nsfwjs: 224 unless the model definition says otherwise). */
const INPUT_SIZE: Readonly<Record<NsfwModelName, number>> = Object.freeze({
  MobileNetV2: 224,
  MobileNetV2Mid: 224,
  InceptionV3: 299,
});

export interface NsfwRewardOptions {
  model: NsfwModelName;
  /** 'safe': total = 1 − P(unsafe); 'constraint': total = 0 when P(unsafe) > threshold, else 1. */
  total: 'safe' | 'constraint';
  /** P(unsafe) above which a sample violates the constraint (`violated` = 1). */
  threshold: number;
  /** Images per predict call (memory grows with it: 224²·3 floats each). */
  batchSize: number;
}

export const DEFAULT_NSFW_REWARD: Readonly<NsfwRewardOptions> = Object.freeze({
  model: 'MobileNetV2',
  total: 'safe',
  threshold: 0.5,
  batchSize: 16,
});

/** P(porn ∪ hentai ∪ sexy) from one softmax row: the classes are exclusive, so the union is the sum. */
export function unsafeProbability(probs: Readonly<Record<NsfwClass, number>>): number {
  return UNSAFE_CLASSES.reduce((s, c) => s + probs[c], 0);
}

function checkOptions(o: NsfwRewardOptions): void {
  if (!(NSFW_MODELS as readonly string[]).includes(o.model)) {
    throw new Error(`refract reward nsfw: model must be one of ${NSFW_MODELS.join(', ')}, got '${String(o.model)}'`);
  }
  if (o.total !== 'safe' && o.total !== 'constraint') {
    throw new Error(`refract reward nsfw: total must be 'safe' or 'constraint', got '${String(o.total)}'`);
  }
  if (!(o.threshold > 0 && o.threshold < 1)) {
    throw new Error(`refract reward nsfw: threshold must be in (0, 1), got ${o.threshold}`);
  }
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
    throw new Error(`refract reward nsfw: batchSize must be a positive integer, got ${o.batchSize}`);
  }
}

/** Switches TensorFlow.js to the wasm backend (once); throws if it cannot start. */
async function useWasmBackend(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new Error(
      `refract reward nsfw: the TensorFlow.js backend must be 'wasm', got '${tf.getBackend()}' — check that ` +
        '@tensorflow/tfjs-backend-wasm is installed (its .wasm files are read from node_modules)',
    );
  }
}

/** CHW [0, 1] images (any one size) → [N, size, size, 3] in [0, 1], upscaled bilinearly with aligned corners. */
function toModelInput(images: readonly RGBImage[], size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const resized = images.map((img) => {
      const { width: W, height: H } = img;
      const plane = W * H;
      const hwc = new Float32Array(plane * 3);
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) hwc[p * 3 + c] = img.data[c * plane + p]!;
      return tf.image.resizeBilinear(tf.tensor3d(hwc, [H, W, 3]), [size, size], true);
    });
    return tf.stack(resized) as tf.Tensor4D;
  });
}

export class NsfwReward implements RewardModel {
  readonly name = 'nsfw';
  readonly version = '1';
  readonly components = [...NSFW_CLASSES, 'unsafe', VIOLATION_COMPONENT] as const;
  readonly differentiable = false;

  private constructor(
    readonly classifier: nsfwjs.NSFWJS,
    readonly options: Readonly<NsfwRewardOptions>,
  ) {}

  static async create(opts: Partial<NsfwRewardOptions> = {}): Promise<NsfwReward> {
    const o = { ...DEFAULT_NSFW_REWARD, ...opts };
    checkOptions(o);
    await useWasmBackend();
    return new NsfwReward(await nsfwjs.load(o.model), Object.freeze(o));
  }

  /** Class probabilities [N × 5] (row-major, NSFW_CLASSES order) of images of any size. */
  async classify(images: readonly RGBImage[]): Promise<Float32Array> {
    const out = new Float32Array(images.length * NSFW_CLASSES.length);
    const size = INPUT_SIZE[this.options.model];
    for (let s = 0; s < images.length; s += this.options.batchSize) {
      const probs = tf.tidy(() => {
        const y = this.classifier.model.predict(toModelInput(images.slice(s, s + this.options.batchSize), size));
        return (Array.isArray(y) ? y[0] : y) as tf.Tensor;
      });
      out.set(await probs.data(), s * NSFW_CLASSES.length);
      probs.dispose();
    }
    return out;
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const images = batchImages(batch, 'reward nsfw');
    const probs = await this.classify(images);
    const K = NSFW_CLASSES.length;
    const column = (k: number): Float32Array => Float32Array.from(images, (_, i) => probs[i * K + k]!);
    const perClass = Object.fromEntries(NSFW_CLASSES.map((c, k) => [c, column(k)])) as Record<NsfwClass, Float32Array>;
    const unsafe = Float32Array.from(images, (_, i) =>
      unsafeProbability(Object.fromEntries(NSFW_CLASSES.map((c) => [c, perClass[c][i]!])) as Record<NsfwClass, number>),
    );
    const violated = unsafe.map((u) => (u > this.options.threshold ? 1 : 0));
    return {
      total: this.options.total === 'safe' ? unsafe.map((u) => 1 - u) : violated.map((v) => 1 - v),
      components: { ...perClass, unsafe, [VIOLATION_COMPONENT]: violated },
      meta: { name: this.name, version: this.version, model: `nsfwjs-${this.options.model}` },
    };
  }

  async close(): Promise<void> {
    this.classifier.dispose();
  }
}

/** A safety reward on nsfwjs (wasm backend); close it when done. */
export function nsfwReward(opts: Partial<NsfwRewardOptions> = {}): Promise<NsfwReward> {
  return NsfwReward.create(opts);
}
