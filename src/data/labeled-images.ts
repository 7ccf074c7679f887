/**
 * A labelled greyscale image set held in memory (Fashion-MNIST, MNIST), and the one place that turns it into
 * torch batches.
 *
 * Images are float32 [N, 1, H, W] in [0, 1], white ink on black — the datasets' own polarity, which is also the
 * shapes world's (black background). Batches can be taken at 28×28 or at 32×32, the side every Refract generator
 * works at (DESIGN §4):
 * - `fit: 'pad'` (default) adds a 2-pixel black border: pixel values and scale are untouched (LeNet-5 fed MNIST
 *   to its 32×32 input the same way), and the border is black in the data anyway.
 * - `fit: 'resize'` stretches 28 → 32 bilinearly (align_corners=false): the object fills the same fraction of the
 *   frame, at the cost of a slight blur.
 */
import * as torch from '../torch/index.js';
import type { Rng } from './rng.js';

export interface LabeledImages {
  /** Where it came from, e.g. 'fashion-mnist/train'. */
  readonly name: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** count·H·W values: image i, pixel (x, y) is images[i·H·W + y·W + x] (one channel). */
  readonly images: Float32Array;
  /** Class index of each image, in [0, classNames.length). */
  readonly labels: Uint8Array;
  readonly classNames: readonly string[];
}

export type BatchFit = 'pad' | 'resize';
/** 'unit' keeps [0, 1]; 'signed' maps to [−1, 1], the range diffusion and flow models are trained on. */
export type BatchRange = 'unit' | 'signed';

export interface BatchOptions {
  /** Output side in pixels: the native 28, or 32. */
  size: 28 | 32;
  fit: BatchFit;
  range: BatchRange;
}

export const DEFAULT_BATCH_OPTIONS: Readonly<BatchOptions> = Object.freeze({ size: 32, fit: 'pad', range: 'unit' });

export interface TensorBatch {
  /** float32 [B, 1, size, size]. */
  images: torch.Tensor;
  /** int64 [B]. */
  labels: torch.Tensor;
}

/** Checks the invariants a loader must establish (sizes agree, labels in range). */
export function assertLabeledImages(ds: LabeledImages): void {
  const plane = ds.height * ds.width;
  if (ds.images.length !== ds.count * plane || ds.labels.length !== ds.count) {
    throw new Error(
      `refract data: ${ds.name} must hold ${ds.count} images of ${ds.height}×${ds.width} and ${ds.count} labels, ` +
        `got ${ds.images.length} values and ${ds.labels.length} labels — the loader is inconsistent`,
    );
  }
  const k = ds.classNames.length;
  for (let i = 0; i < ds.count; i++) {
    if (ds.labels[i] >= k) {
      throw new Error(
        `refract data: ${ds.name} labels must be < ${k}, got ${ds.labels[i]} at ${i} — wrong label file?`,
      );
    }
  }
}

/** The images at `indices` as a new set (copies); useful for small test subsets. */
export function subset(ds: LabeledImages, indices: ArrayLike<number>, name = `${ds.name}[subset]`): LabeledImages {
  const plane = ds.height * ds.width;
  const images = new Float32Array(indices.length * plane);
  const labels = new Uint8Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = checkIndex(ds, indices[j]);
    images.set(ds.images.subarray(i * plane, (i + 1) * plane), j * plane);
    labels[j] = ds.labels[i];
  }
  return { name, count: indices.length, height: ds.height, width: ds.width, images, labels, classNames: ds.classNames };
}

/** The first `perClass` images of every class, in dataset order (a small, balanced, deterministic subset). */
export function balancedSubset(ds: LabeledImages, perClass: number): LabeledImages {
  const taken = new Array<number>(ds.classNames.length).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < ds.count; i++) {
    const c = ds.labels[i];
    if (taken[c] < perClass) {
      taken[c]++;
      picked.push(i);
    }
  }
  return subset(ds, picked, `${ds.name}[${perClass}/class]`);
}

/** Index arrays of size `batchSize` covering the set once, shuffled by `rng` when given; the last may be short. */
export function batchIndices(count: number, batchSize: number, rng?: Rng): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new Error(`refract data: batchSize must be a positive integer, got ${batchSize}`);
  }
  const order = Array.from({ length: count }, (_, i) => i);
  if (rng) rng.shuffle(order);
  const out: Int32Array[] = [];
  for (let s = 0; s < count; s += batchSize) out.push(Int32Array.from(order.slice(s, s + batchSize)));
  return out;
}

/** The images and labels at `indices` as tensors, padded or resized to `size` (see the file comment). */
export function makeBatch(
  ds: LabeledImages,
  indices: ArrayLike<number>,
  opts: Partial<BatchOptions> = {},
): TensorBatch {
  const o = { ...DEFAULT_BATCH_OPTIONS, ...opts };
  const { height: H, width: W } = ds;
  const plane = H * W;
  const raw = new Float32Array(indices.length * plane);
  const labels = new BigInt64Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = checkIndex(ds, indices[j]);
    raw.set(ds.images.subarray(i * plane, (i + 1) * plane), j * plane);
    labels[j] = BigInt(ds.labels[i]);
  }
  const images = torch.scope(() => {
    let x = torch.fromTypedArray(raw, [indices.length, 1, H, W]);
    x = resizeBatch(x, o.size, o.fit);
    return o.range === 'signed' ? x.mul(2).sub(1) : x;
  });
  return { images, labels: torch.fromTypedArray(labels, [indices.length]) };
}

/**
 * Brings [B, 1, h, w] images to size×size: 'pad' centres them on black (both sides must differ by an even
 * number), 'resize' interpolates bilinearly. Returns a new tensor; `x` is left to the caller's scope.
 */
export function resizeBatch(x: torch.Tensor, size: number, fit: BatchFit): torch.Tensor {
  const [, , h, w] = x.shape;
  if (h === size && w === size) return x.view(x.shape);
  if (fit === 'resize') return torch.F.interpolate(x, { size: [size, size], mode: 'bilinear' });
  const dh = size - h;
  const dw = size - w;
  if (dh < 0 || dw < 0 || dh % 2 !== 0 || dw % 2 !== 0) {
    throw new Error(
      `refract data: padding needs size − side to be even and ≥ 0, got ${h}×${w} → ${size} — use fit: 'resize'`,
    );
  }
  return torch.F.pad(x, [dw / 2, dw / 2, dh / 2, dh / 2]);
}

function checkIndex(ds: LabeledImages, i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
    throw new Error(`refract data: index into ${ds.name} must be an integer in [0, ${ds.count}), got ${i}`);
  }
  return i;
}
