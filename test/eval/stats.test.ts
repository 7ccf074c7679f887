import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { createImage, type RGBImage } from '../../src/data/image.js';
import {
  colourEntropy,
  darkPixelFraction,
  edgeDensity,
  imageStatistics,
  imageStatisticsOfTensor,
  meanBrightness,
  meanImageStatistics,
  meanSaturation,
  pooledFeature,
  promptDiversity,
  rmsDistance,
  tensorDiversity,
} from '../../src/eval/stats/index.js';
import { assertScalarClose } from '../helpers.js';

/** A W×H image whose pixel (x, y) has colour f(x, y). */
function paint(W: number, H: number, f: (x: number, y: number) => readonly [number, number, number]): RGBImage {
  const img = createImage(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const rgb = f(x, y);
      for (let c = 0; c < 3; c++) img.data[(c * H + y) * W + x] = rgb[c]!;
    }
  }
  return img;
}

const BLACK = [0, 0, 0] as const;
const WHITE = [1, 1, 1] as const;
const black = (n = 6): RGBImage => paint(n, n, () => BLACK);
const white = (n = 6): RGBImage => paint(n, n, () => WHITE);
/** Left half black, right half white. */
const halves = (n = 6): RGBImage => paint(n, n, (x) => (x < n / 2 ? BLACK : WHITE));

test('black, white and red images have the statistics their definitions give', () => {
  assert.deepEqual(imageStatistics(black()), { darkFraction: 1, edgeDensity: 0, colourEntropy: 0, brightness: 0, saturation: 0 });
  const w = imageStatistics(white());
  assert.equal(w.darkFraction, 0);
  assertScalarClose(w.brightness, 1, 1e-6);
  assert.equal(w.saturation, 0);
  const red = paint(4, 4, () => [1, 0, 0]);
  assertScalarClose(meanBrightness(red), 0.299, 1e-6);
  assert.equal(meanSaturation(red), 1);
  assert.equal(colourEntropy(red), 0);
  assert.equal(darkPixelFraction(paint(4, 4, () => [0.2, 0.05, 0.05]), 0.1), 1, 'luma 0.0948 is below 0.1');
  assert.equal(darkPixelFraction(paint(4, 4, () => [0.3, 0.05, 0.05]), 0.1), 0, 'luma 0.1248 is above 0.1');
});

test('a vertical step edge: half the pixels dark, the two columns beside it are edges, one bit of colour entropy', () => {
  const img = halves(6);
  assert.equal(darkPixelFraction(img), 0.5);
  // interior 4×4; columns x = 2 and x = 3 see the step (|G|/4 = 1), columns 1 and 4 do not
  assert.equal(edgeDensity(img), 8 / 16);
  assert.equal(edgeDensity(img, 1.01), 0, 'threshold above the unit step magnitude');
  assertScalarClose(colourEntropy(img), 1, 1e-12);
  assert.equal(edgeDensity(createImage(2, 2)), 0, 'no interior pixels');
});

test('four equally frequent colours give two bits; colours within one quantisation bin count as one', () => {
  const cols = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]] as const;
  assertScalarClose(colourEntropy(paint(4, 4, (x) => cols[x]!)), 2, 1e-12);
  assert.equal(colourEntropy(paint(4, 4, (x) => [x * 0.05, 0, 0])), 0, 'all below 0.25: one bin at 4 levels');
  assert.throws(() => colourEntropy(black(), 1), /colourLevels must be an integer >= 2, got 1/);
});

test('batch means average the per-image statistics', () => {
  const m = meanImageStatistics([black(), white()]);
  assert.equal(m.darkFraction, 0.5);
  assertScalarClose(m.brightness, 0.5, 1e-6);
  assert.throws(() => meanImageStatistics([]), /images must be non-empty/);
});

test('diversity: identical samples 0, black vs white 1, mean over prompts with at least two samples', () => {
  const d = promptDiversity([black(8), white(8), black(8), black(8), black(8), white(8)], ['a', 'a', 'b', 'b', 'b', 'c']);
  assertScalarClose(d.perPrompt.get('a')!, 1, 1e-6);
  assert.equal(d.perPrompt.get('b'), 0);
  assert.equal(d.perPrompt.has('c'), false, 'a single sample has no pairs');
  assertScalarClose(d.mean, 0.5, 1e-6);
  assert.throws(() => promptDiversity([black(8), white(8)], ['a', 'b']), /at least 2 samples/);
  assert.throws(() => promptDiversity([black(8)], ['a', 'b']), /one key per image \(1\), got 2/);
});

test('pooling removes pixel-scale differences: a checkerboard and its inverse differ in pixel space only', () => {
  const board = paint(8, 8, (x, y) => ((x + y) % 2 === 0 ? BLACK : WHITE));
  const inverse = paint(8, 8, (x, y) => ((x + y) % 2 === 1 ? BLACK : WHITE));
  assertScalarClose(rmsDistance(pooledFeature(board, 8), pooledFeature(inverse, 8)), 1, 1e-6);
  assertScalarClose(rmsDistance(pooledFeature(board, 4), pooledFeature(inverse, 4)), 0, 1e-6);
  assert.throws(() => pooledFeature(board, 3), /pool must be a positive integer dividing the image sides 8×8, got 3/);
});

test('tensor inputs in [−1, 1] give the same statistics as the images, without leaking tensors', () => {
  const before = torch.memoryStats().liveTensors;
  const x = torch.scope(() => torch.cat([torch.full([1, 3, 8, 8], -1), torch.full([1, 3, 8, 8], 1)]));
  const s = imageStatisticsOfTensor(x);
  assert.equal(s.darkFraction, 0.5);
  assertScalarClose(tensorDiversity(x, ['p', 'p']).mean, 1, 1e-6);
  x.dispose();
  assert.equal(torch.memoryStats().liveTensors, before);
});
