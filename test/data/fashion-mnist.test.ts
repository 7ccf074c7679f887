import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../../src/data/fashion-mnist.js';

test('Fashion-MNIST test split: 10 000 balanced 28×28 images in [0, 1] with class names', () => {
  const ds = loadFashionMnist('test');
  assert.equal(ds.name, 'fashion-mnist/test');
  assert.equal(ds.count, 10000);
  assert.equal(ds.height, 28);
  assert.equal(ds.width, 28);
  assert.equal(ds.images.length, 10000 * 784);
  assert.deepEqual(ds.classNames, FASHION_MNIST_CLASSES);
  assert.equal(ds.classNames[9], 'Ankle boot');
  const hist = new Array(10).fill(0);
  for (const l of ds.labels) hist[l]++;
  assert.deepEqual(hist, new Array(10).fill(1000));
  let min = Infinity,
    max = -Infinity;
  for (const v of ds.images) [min, max] = [Math.min(min, v), Math.max(max, v)];
  assert.equal(min, 0);
  assert.equal(max, 1);
  // Values sit on the 8-bit grid v/255.
  assert.ok(ds.images.slice(0, 5000).every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4));
  assert.equal(loadFashionMnist('test'), ds, 'cached');
});

test('Fashion-MNIST train split has 60 000 images, 6 000 per class', () => {
  const ds = loadFashionMnist('train');
  assert.equal(ds.count, 60000);
  const hist = new Array(10).fill(0);
  for (const l of ds.labels) hist[l]++;
  assert.deepEqual(hist, new Array(10).fill(6000));
});

test('Fashion-MNIST errors name the split and the install fix', () => {
  assert.throws(() => loadFashionMnist('val' as 'test'), /split must be 'train' or 'test', got 'val'/);
  assert.throws(
    () => loadFashionMnist('test', { dir: '/nonexistent/fmnist' }),
    /t10k-images-idx3-ubyte\.gz must be readable, got ENOENT .*dataset-fashion-mnist/,
  );
});
