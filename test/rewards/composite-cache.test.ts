import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { imagesToTensor } from '../../src/data/image-tensor.js';
import { loadShippedClassifier } from '../../src/eval/classifier/index.js';
import {
  batchImages,
  cachedReward,
  classifierReward,
  compositeReward,
  constraintReward,
  LruCache,
  qualityReward,
  shapesGoldReward,
  torchscriptReward,
  type RewardBatch,
  type RewardModel,
  type RewardResult,
} from '../../src/rewards/index.js';
import { fixture } from '../torch/files.js';
import { assertResultShapes, rewardPrompt, shapesSamples } from './helpers.js';

torch.setNumThreads(1);

/** A stub: total = mean pixel value, uncertainty = 0.1; counts the samples it was asked to score. */
class MeanReward implements RewardModel {
  readonly components = ['mean'] as const;
  readonly differentiable = false;
  scored = 0;
  constructor(
    readonly name = 'mean',
    readonly version = '1',
  ) {}
  async score(batch: RewardBatch): Promise<RewardResult> {
    const imgs = batchImages(batch);
    this.scored += imgs.length;
    const mean = Float32Array.from(imgs, (im) => im.data.reduce((a, b) => a + b, 0) / im.data.length);
    return {
      total: mean,
      components: { mean },
      uncertainty: mean.map(() => 0.1),
      meta: { name: this.name, version: this.version },
    };
  }
}

test('composite: member totals and prefixed components, total = Σ w·total, uncertainty combined', async () => {
  const samples = shapesSamples(6, 8);
  const batch: RewardBatch = { rgb: samples.map((s) => s.image), prompts: samples.map((s) => rewardPrompt(s.prompt)) };
  const members = [
    shapesGoldReward(),
    qualityReward({ weights: { sharpness: 1 } }),
    constraintReward({ forbiddenColors: ['red'] }),
    new MeanReward(),
  ];
  const weights = { shapes_gold: 2, quality: 0.5, mean: 3 };
  const comp = compositeReward({ rewards: members, weights });
  assert.deepEqual(comp.weights, { shapes_gold: 2, quality: 0.5, constraint: 1, mean: 3 });
  assert.equal(comp.differentiable, false);
  const r = await comp.score(batch);
  assertResultShapes(r, 6, comp.components);
  assert.ok(comp.components.includes('quality.sharpness') && comp.components.includes('constraint.violated'));
  const each = await Promise.all(members.map((m) => m.score(batch)));
  for (let i = 0; i < 6; i++) {
    const expected = each.reduce((s, res, m) => s + comp.weights[members[m]!.name]! * res.total[i]!, 0);
    assert.ok(Math.abs(r.total[i]! - expected) < 1e-5, `total ${i}: ${r.total[i]} vs ${expected}`);
    assert.equal(r.components.shapes_gold![i], each[0]!.total[i]);
  }
  assert.deepEqual(Object.keys(r.dense!).sort(), ['constraint.pixel_violation', 'shapes_gold.pixel_alignment']);
  r.uncertainty!.forEach((u) => assert.ok(Math.abs(u - 3 * 0.1) < 1e-6, 'sqrt(Σ w²u²) with one uncertain member'));
  assert.throws(
    () => comp.scoreDifferentiable(torch.zeros([1, 3, 32, 32]), batch.prompts.slice(0, 1)),
    /every member must be differentiable, got non-differentiable shapes_gold/,
  );
  assert.throws(() => compositeReward({ rewards: members, weights: { gold: 1 } }), /weights keys must name members/);
  assert.throws(
    () => compositeReward({ rewards: [new MeanReward(), new MeanReward()] }),
    /member names must be unique, got 'mean' twice/,
  );
});

test('a composite of differentiable rewards back-propagates the weighted sum', () => {
  const clf = loadShippedClassifier('fashion-mnist');
  const ts = torchscriptReward(fixture('tiny_reward.pt'), { name: 'tiny' });
  const comp = compositeReward({
    rewards: [classifierReward(clf, { name: 'clf' }), ts],
    weights: { clf: 0.5, tiny: 2 },
  });
  assert.equal(comp.differentiable, true);
  const prompts = [
    { text: '', classIndex: 1 },
    { text: '', classIndex: 7 },
  ];
  torch.scope(() => {
    const x = torch
      .rand([2, 3, 32, 32], { generator: new torch.Generator(1) })
      .mul(2)
      .sub(1)
      .requiresGrad_();
    const s = comp.scoreDifferentiable(x, prompts);
    const a = comp.rewards[0]!.scoreDifferentiable!(x, prompts);
    const b = comp.rewards[1]!.scoreDifferentiable!(x, prompts);
    const want = a.mul(0.5).add(b.mul(2)).toArray();
    s.toArray().forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5));
    s.sum().backward();
    assert.ok(x.grad!.abs().sum().item() > 0);
  });
  clf.dispose();
  ts.module.dispose();
});

test('cache: repeated samples are hits, only misses reach the reward, order and dense maps survive', async () => {
  const samples = shapesSamples(6, 13);
  const prompts = samples.map((s) => rewardPrompt(s.prompt));
  const rgb = samples.map((s) => s.image);
  const inner = new MeanReward();
  const cached = cachedReward(inner, { capacity: 100 });
  const first = await cached.score({ rgb: rgb.slice(0, 4), prompts: prompts.slice(0, 4) });
  assert.equal(inner.scored, 4);
  const again = await cached.score({
    rgb: [rgb[3]!, rgb[4]!, rgb[0]!, rgb[5]!],
    prompts: [prompts[3]!, prompts[4]!, prompts[0]!, prompts[5]!],
  });
  assert.equal(inner.scored, 6, 'only the two new samples were scored');
  assert.equal(cached.cache.hits, 2);
  assert.deepEqual(
    [again.total[0], again.total[2]],
    [first.total[3], first.total[0]],
    'hits come back in the caller order',
  );
  assert.deepEqual([...again.uncertainty!], [0.1, 0.1, 0.1, 0.1].map(Math.fround));
  // Same image, other prompt: a different key.
  await cached.score({ rgb: [rgb[0]!], prompts: [prompts[1]!] });
  assert.equal(inner.scored, 7);
  // Another version of the reward never reads these entries.
  const v2 = cachedReward(new MeanReward('mean', '2'), { capacity: 100 });
  await v2.score({ rgb: [rgb[0]!], prompts: [prompts[0]!] });
  assert.equal(v2.cache.hits, 0);

  const gold = shapesGoldReward();
  const cg = cachedReward(gold);
  const direct = await gold.score({ rgb, prompts });
  await cg.score({ rgb: rgb.slice(0, 3), prompts: prompts.slice(0, 3) });
  const mixed = await cg.score({ rgb, prompts });
  assert.deepEqual(mixed, direct, 'a half-cached batch equals a fresh one, dense maps included');
});

test('cache with tensor images: misses are index-selected from the batch tensor, nothing leaks', async () => {
  const samples = shapesSamples(4, 17);
  const prompts = samples.map((s) => rewardPrompt(s.prompt));
  const before = torch.memoryStats().liveTensors;
  const x = imagesToTensor(samples.map((s) => s.image));
  const gold = shapesGoldReward();
  const cached = cachedReward(gold);
  const direct = await gold.score({ images: x, prompts });
  const firstTwo = torch.scope(() => x.narrow(0, 0, 2).contiguous());
  await cached.score({ images: firstTwo, prompts: prompts.slice(0, 2) });
  const all = await cached.score({ images: x, prompts });
  assert.equal(cached.cache.hits, 2);
  assert.deepEqual(all, direct);
  torch.disposeAll([x, firstTwo]);
  assert.equal(torch.memoryStats().liveTensors, before);
});

test('LRU: the least recently used entry goes first', () => {
  const c = new LruCache<number>(2);
  c.set('a', 1);
  c.set('b', 2);
  assert.equal(c.get('a'), 1); // a is now the most recent
  c.set('c', 3);
  assert.equal(c.get('b'), undefined, 'b was evicted');
  assert.equal(c.get('a'), 1);
  assert.equal(c.size, 2);
  assert.throws(() => new LruCache(0), /capacity must be a positive integer, got 0/);
});
