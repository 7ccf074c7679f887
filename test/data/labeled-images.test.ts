import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Rng } from '../../src/data/rng.js';
import { balancedSubset, batchIndices, makeBatch, subset, type LabeledImages } from '../../src/data/labeled-images.js';

/** Three 2×2 images with pixel values i/10 + p/100 and labels 0, 1, 0. */
function tiny(): LabeledImages {
  const images = new Float32Array(12);
  for (let i = 0; i < 3; i++) for (let p = 0; p < 4; p++) images[i * 4 + p] = i / 10 + p / 100;
  return {
    name: 'tiny',
    count: 3,
    height: 2,
    width: 2,
    images,
    labels: Uint8Array.from([0, 1, 0]),
    classNames: ['a', 'b'],
  };
}

test('makeBatch pads 28 → 32 with a black 2-pixel border and keeps values', () => {
  const ds: LabeledImages = { ...tiny(), height: 28, width: 28, images: new Float32Array(3 * 784).fill(0.5) };
  const before = torch.memoryStats().liveTensors;
  const { images, labels } = makeBatch(ds, [2, 0], { size: 32, fit: 'pad' });
  assert.deepEqual(images.shape, [2, 1, 32, 32]);
  assert.deepEqual(labels.toArray(), [0, 0]);
  assert.equal(labels.dtype, 'int64');
  const v = images.toTypedArray() as Float32Array;
  assert.equal(v[0], 0, 'corner is padding');
  assert.equal(v[2 * 32 + 2], 0.5, 'first data pixel');
  assert.equal(v[29 * 32 + 29], 0.5, 'last data pixel');
  assert.equal(v[30 * 32 + 30], 0, 'padding after the data');
  images.dispose();
  labels.dispose();
  assert.equal(torch.memoryStats().liveTensors, before, 'no tensors leak');
});

test('makeBatch resizes bilinearly, maps to [−1, 1] on request and keeps 28 as is', () => {
  const ds: LabeledImages = { ...tiny(), height: 28, width: 28, images: new Float32Array(3 * 784).fill(1) };
  torch.scope(() => {
    const r = makeBatch(ds, [1], { size: 32, fit: 'resize', range: 'signed' });
    assert.deepEqual(r.images.shape, [1, 1, 32, 32]);
    assert.ok(Math.abs(r.images.min().item() - 1) < 1e-6, 'a constant image stays constant (1 → +1)');
    const n = makeBatch(ds, [1], { size: 28 });
    assert.deepEqual(n.images.shape, [1, 1, 28, 28]);
  });
  assert.throws(() => makeBatch(tiny(), [3]), /index into tiny must be an integer in \[0, 3\), got 3/);
  const odd: LabeledImages = { ...tiny(), height: 3, width: 3, images: new Float32Array(27) };
  assert.throws(
    () => makeBatch(odd, [0], { size: 32, fit: 'pad' }),
    /padding needs size − side to be even and ≥ 0, got 3×3 → 32 — use fit: 'resize'/,
  );
});

test('subset, balancedSubset and batchIndices', () => {
  const s = subset(tiny(), [2, 1]);
  assert.deepEqual([...s.labels], [0, 1]);
  assert.ok(Math.abs(s.images[0] - 0.2) < 1e-6);
  const b = balancedSubset(tiny(), 1);
  assert.deepEqual([...b.labels], [0, 1]);
  const batches = batchIndices(10, 4, new Rng(1));
  assert.deepEqual(
    batches.map((x) => x.length),
    [4, 4, 2],
  );
  assert.deepEqual(
    batches.flatMap((x) => [...x]).sort((a, c) => a - c),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    batchIndices(3, 2).map((x) => [...x]),
    [[0, 1], [2]],
  );
  assert.throws(() => batchIndices(3, 0), /batchSize must be a positive integer, got 0/);
});
