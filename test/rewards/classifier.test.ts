import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FASHION_MNIST_PROMPTS } from '../../src/data/class-prompts.js';
import { loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { balancedSubset, makeBatch } from '../../src/data/labeled-images.js';
import { loadShippedClassifier } from '../../src/eval/classifier/index.js';
import * as torch from '../../src/torch/index.js';
import { classifierReward, isDifferentiable, promptedClass, type RewardPrompt } from '../../src/rewards/index.js';
import { assertResultShapes } from './helpers.js';

torch.setNumThreads(1);

test('classifier reward prefers images of the prompted class (real Fashion-MNIST test images); differentiable', async () => {
  const before = torch.memoryStats().liveTensors;
  const clf = loadShippedClassifier('fashion-mnist');
  const rm = classifierReward(clf);
  assert.ok(isDifferentiable(rm));
  const ds = balancedSubset(loadFashionMnist('test'), 4); // 40 images, 4 per class
  const idx = Array.from({ length: ds.count }, (_, i) => i);
  // [B, 1, 32, 32] in [−1, 1] → RGB, the generators' output layout.
  const x = torch.scope(() =>
    makeBatch(ds, idx, { size: 32, fit: 'pad', range: 'signed' }).images.expand([ds.count, 3, 32, 32]).contiguous(),
  );
  const names = ds.classNames;
  const right: RewardPrompt[] = idx.map((i) => ({ text: `a photo of a ${names[ds.labels[i]!]}` }));
  const wrong: RewardPrompt[] = idx.map((i) => ({ text: 'an item', classIndex: (ds.labels[i]! + 3) % 10 }));
  const r = await rm.score({ images: x, prompts: right });
  const w = await rm.score({ images: x, prompts: wrong });
  // The testbed's class prompts (src/data/class-prompts.ts: "a t-shirt", "a pair of trousers") resolve too.
  const testbed = await rm.score({
    images: x,
    prompts: idx.map((i) => ({ text: FASHION_MNIST_PROMPTS[ds.labels[i]!]! })),
  });
  assert.deepEqual([...testbed.total], [...r.total]);
  assertResultShapes(r, ds.count, ['log_prob', 'prob', 'correct']);
  const wins = idx.filter((i) => r.total[i]! > w.total[i]!).length;
  assert.ok(wins >= 0.9 * ds.count, `the prompted class scores higher on ${wins}/${ds.count} images`);
  const acc = r.components.correct!.reduce((a, b) => a + b, 0) / ds.count;
  assert.ok(acc > 0.75, `arg-max matches the prompt on ${acc} of images`);
  assert.ok(r.components.prob!.every((p, i) => Math.abs(p - Math.exp(r.total[i]!)) < 1e-5));

  // The same numbers through the graph, and a gradient back to the images (for ReFL / DRaFT).
  const xg = x.detach().requiresGrad_();
  const s = rm.scoreDifferentiable(xg, right);
  const sum = s.sum();
  sum.backward();
  const grad = xg.grad!;
  assert.ok(torch.scope(() => grad.abs().sum().item()) > 0, 'gradient reaches the images');
  const sv = torch.scope(() => s.detach().toArray());
  sv.forEach((v, i) => assert.ok(Math.abs(v - r.total[i]!) < 1e-4, `differentiable score ${i} matches score()`));
  torch.disposeAll([x, xg, s, sum, grad]);
  clf.dispose();
  assert.equal(torch.memoryStats().liveTensors, before, 'no tensors leak');
});

test('the prompted class comes from classIndex or the longest class name in the text', () => {
  const names = ['Sandal', 'Shirt', 'T-shirt/top', 'Ankle boot'];
  assert.equal(promptedClass({ text: 'a T-shirt/top, please' }, names), 2);
  assert.equal(promptedClass({ text: 'an ankle boot' }, names), 3);
  assert.equal(promptedClass({ text: 'anything', classIndex: 1 }, names), 1);
  const prompts = ['a sandal', 'a shirt', 'a t-shirt', 'an ankle boot'];
  assert.equal(
    promptedClass({ text: 'A T-shirt ' }, names, 0, prompts),
    2,
    "the testbed's own prompt wins over 'shirt'",
  );
  assert.throws(() => promptedClass({ text: 'a hat' }, names), /must name a class \(Sandal, Shirt/);
  assert.throws(
    () => promptedClass({ text: 'x', classIndex: 9 }, names),
    /classIndex must be an integer in \[0, 4\), got 9/,
  );
});
