import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { saveStateDict } from '../../src/torch/safetensors.js';
import { loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { loadMnist } from '../../src/data/mnist.js';
import { balancedSubset, makeBatch } from '../../src/data/labeled-images.js';
import type { RGBImage } from '../../src/data/image.js';
import {
  ImageClassifier,
  SmallCnn,
  loadClassifier,
  loadShippedClassifier,
  measureAccuracy,
  saveClassifier,
  trainClassifier,
  type TrainProgress,
} from '../../src/eval/classifier/index.js';

test('a hundred AdamW steps on 600 Fashion-MNIST images beat chance by a wide margin', () => {
  const before = torch.memoryStats().liveTensors;
  const train = balancedSubset(loadFashionMnist('train'), 60);
  const held = balancedSubset(loadFashionMnist('test'), 30);
  const reports: TrainProgress[] = [];
  const { classifier, steps } = trainClassifier(
    train,
    'fashion-mnist',
    { epochs: 100, maxSteps: 100, batchSize: 32, lr: 3e-3, warmupSteps: 10, logEvery: 50 },
    (p) => reports.push(p),
  );
  assert.equal(steps, 100);
  assert.deepEqual(
    reports.map((r) => r.step),
    [50, 100],
  );
  assert.ok(reports[1].loss < reports[0].loss, 'training loss falls');
  const acc = measureAccuracy(classifier, held);
  assert.equal(acc.count, 300);
  assert.ok(acc.accuracy > 0.55, `held-out accuracy ${acc.accuracy} (chance 0.1)`);
  assert.equal(
    acc.confusion.flat().reduce((a, b) => a + b, 0),
    300,
  );
  classifier.dispose();
  assert.equal(torch.memoryStats().liveTensors, before, 'training and evaluation leak no tensors');
});

test('classify accepts 28×28, 32×32, RGB and RGBImage[] alike; save/load round-trips through safetensors', () => {
  const net = new SmallCnn(undefined, { generator: new torch.Generator(3) });
  const clf = new ImageClassifier(net, { name: 'toy', classNames: 'abcdefghij'.split('') });
  const ds = balancedSubset(loadFashionMnist('test'), 1);
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-clf-'));
  try {
    torch.scope(() => {
      const x28 = makeBatch(ds, [0, 1, 2, 3], { size: 28 }).images;
      const x32 = makeBatch(ds, [0, 1, 2, 3], { size: 32, fit: 'pad' }).images;
      const rgb = x28.expand([4, 3, 28, 28]).contiguous();
      const a = clf.classify(x28);
      const b = clf.classify(x32);
      const c = clf.classify(rgb);
      const images: RGBImage[] = [0, 1, 2, 3].map((i) => ({
        width: 28,
        height: 28,
        data: rgb.index(i).contiguous().toTypedArray() as Float32Array,
      }));
      const d = clf.classify(images);
      for (const r of [b, c, d]) {
        assert.deepEqual([...r.labels], [...a.labels]);
        r.probs.forEach((row, i) => row.forEach((p, j) => assert.ok(Math.abs(p - a.probs[i][j]) < 1e-5)));
      }
      assert.ok(Math.abs(a.probs[0].reduce((s, p) => s + p, 0) - 1) < 1e-5, 'probabilities sum to 1');
      const file = path.join(dir, 'model.safetensors');
      saveClassifier(file, clf);
      const back = loadClassifier(file);
      assert.deepEqual(back.info, clf.info);
      assert.deepEqual([...back.classify(x32).labels], [...a.labels]);
      back.dispose();
      const half = path.join(dir, 'half.safetensors');
      saveClassifier(half, clf, { dtype: 'float16' });
      const h = loadClassifier(half);
      h.classify(x32).probs.forEach((row, i) => row.forEach((p, j) => assert.ok(Math.abs(p - a.probs[i][j]) < 1e-2)));
      h.dispose();
      assert.throws(
        () => clf.classify(torch.zeros([2, 2, 32, 32])),
        /images must be \[B, 1 or 3, S, S\], got \[2, 2, 32, 32\]/,
      );
      assert.throws(
        () => net.forward(torch.zeros([1, 1, 28, 28])),
        /input must be \[B, 1, 32, 32\], got \[1, 1, 28, 28\]/,
      );
      const foreign = path.join(dir, 'foreign.safetensors');
      saveStateDict(foreign, new Map([['w', torch.zeros([2])]]));
      assert.throws(() => loadClassifier(foreign), /must carry metadata refract=refract-classifier-1, got none/);
    });
    assert.throws(
      () => new ImageClassifier(net, { name: 'x', classNames: ['a'] }),
      /classNames must list 10 classes for this net, got 1/,
    );
  } finally {
    clf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped classifiers load and classify held-out images as reported', () => {
  for (const [name, load, min] of [
    ['fashion-mnist', () => loadFashionMnist('test'), 0.85],
    ['mnist', () => loadMnist('test'), 0.95],
  ] as const) {
    const clf = loadShippedClassifier(name);
    try {
      const acc = measureAccuracy(clf, balancedSubset(load(), 50));
      assert.ok(acc.accuracy >= min, `${name}: ${acc.accuracy} on 500 test images`);
    } finally {
      clf.dispose();
    }
  }
  assert.throws(
    () => loadShippedClassifier('emnist'),
    /shipped weights .*emnist.* must exist, got none — train them with trainRecipe/,
  );
});
