/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf, arXiv 1708.07747): 70 000 greyscale 28×28 photos of clothing in 10
 * classes, split 60 000 train / 10 000 test. Read from the gzipped IDX files that Debian's `dataset-fashion-mnist`
 * installs; nothing is downloaded. Loaded sets are cached per (dir, split) since inflating the training images
 * takes a noticeable fraction of a second and every consumer wants the same bytes.
 */
import path from 'node:path';
import { readIdxFile, type IdxArray } from './idx.js';
import { assertLabeledImages, type LabeledImages } from './labeled-images.js';

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names in label order (the dataset's README). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

export type Split = 'train' | 'test';

const FILES: Readonly<Record<Split, { images: string; labels: string; count: number }>> = Object.freeze({
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz', count: 60000 },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz', count: 10000 },
});

export interface FashionMnistOptions {
  /** Folder holding the four .gz files (default: FASHION_MNIST_DIR, or $REFRACT_FASHION_MNIST_DIR if set). */
  dir?: string;
}

const cache = new Map<string, LabeledImages>();

/** The train (60 000) or test (10 000) split. Throws with an install hint when the files are missing. */
export function loadFashionMnist(split: Split, opts: FashionMnistOptions = {}): LabeledImages {
  if (split !== 'train' && split !== 'test') {
    throw new Error(`refract data: Fashion-MNIST split must be 'train' or 'test', got '${String(split)}'`);
  }
  const dir = opts.dir ?? process.env.REFRACT_FASHION_MNIST_DIR ?? FASHION_MNIST_DIR;
  const key = `${dir}\0${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const f = FILES[split];
  const images = readWithHint(path.join(dir, f.images));
  const labels = readWithHint(path.join(dir, f.labels));
  const ds = fromIdx(`fashion-mnist/${split}`, images, labels, FASHION_MNIST_CLASSES);
  cache.set(key, ds);
  return ds;
}

/**
 * A LabeledImages from an IDX image file [N, H, W] and label file [N]; bytes become floats in [0, 1] (v / 255).
 * Shared with any other MNIST-format dataset.
 */
export function fromIdx(
  name: string,
  images: IdxArray,
  labels: IdxArray,
  classNames: readonly string[],
): LabeledImages {
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new Error(
      `refract data: ${name} must pair images [N, H, W] with labels [N], got [${images.dims.join(', ')}] and ` +
        `[${labels.dims.join(', ')}] — are the image and label files swapped or from different splits?`,
    );
  }
  const [count, height, width] = images.dims;
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  const ds: LabeledImages = {
    name,
    count,
    height,
    width,
    images: pixels,
    labels: Uint8Array.from(labels.data),
    classNames,
  };
  assertLabeledImages(ds);
  return ds;
}

function readWithHint(file: string): IdxArray {
  try {
    return readIdxFile(file);
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(
      `${msg} (Fashion-MNIST: install Debian's dataset-fashion-mnist, or pass { dir } / set REFRACT_FASHION_MNIST_DIR)`,
    );
  }
}
