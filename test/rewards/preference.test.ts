import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  BradleyTerryRewardModel,
  heldOutPairwiseAccuracy,
  pairTensors,
  RewardEnsemble,
  shapesGoldReward,
  syntheticShapesPairs,
  withLabelNoise,
  type BradleyTerryTrainOptions,
  type PreferencePair,
} from '../../src/rewards/index.js';
import { assertResultShapes } from './helpers.js';
import { assertClose } from '../helpers.js';
import { Rng, deriveSeed } from '../../src/data/rng.js';
import { imagesToTensor } from '../../src/data/image-tensor.js';

torch.setNumThreads(1);

// Tiny on purpose (a few seconds per model on one core); the report's numbers use the defaults.
const TINY: Partial<BradleyTerryTrainOptions> = {
  steps: 150,
  batchSize: 16,
  seed: 3,
  net: { channels: [8, 16, 16], hidden: 32 },
};
const train = syntheticShapesPairs({ count: 256, seed: 1 });
const heldOut = syntheticShapesPairs({ count: 200, seed: 999 });

function trainBT(pairs: readonly PreferencePair[]): BradleyTerryRewardModel {
  return BradleyTerryRewardModel.fromPairs(pairs, TINY);
}

test('synthetic pairs: gold-labelled, every kind, label noise flips the stated fraction on the same images', async () => {
  assert.deepEqual(new Set(train.map((p) => p.kind)), new Set(['contradict', 'extra', 'noise', 'blur']));
  assert.ok(train.every((p) => !p.flipped));
  const semantic = train.filter((p) => p.kind === 'contradict' || p.kind === 'extra').slice(0, 24);
  const strict = shapesGoldReward({ gold: { mode: 'strict' }, dense: false });
  const prompts = semantic.map((p) => p.prompt);
  const chosen = await strict.score({ rgb: semantic.map((p) => p.chosen), prompts });
  const rejected = await strict.score({ rgb: semantic.map((p) => p.rejected), prompts });
  chosen.total.forEach((g, i) =>
    assert.ok(g >= rejected.total[i]!, `pair ${i}: the gold evaluator prefers the chosen image`),
  );
  const noisy = withLabelNoise(train, 0.4, 7);
  const rate = noisy.filter((p) => p.flipped).length / noisy.length;
  assert.ok(Math.abs(rate - 0.4) < 0.07, `flip rate ${rate}`);
  noisy.forEach((p, i) =>
    assert.equal(p.chosen, p.flipped ? train[i]!.rejected : train[i]!.chosen, 'same images, swapped when flipped'),
  );
  assert.throws(() => withLabelNoise(train, 1.5, 0), /labelNoise must be in \[0, 1\], got 1.5/);
});

test('Bradley–Terry RM beats chance on held-out pairs; label noise lowers its accuracy', async () => {
  const before = torch.memoryStats().liveTensors;
  const clean = trainBT(train);
  const noisy = trainBT(withLabelNoise(train, 0.4, 5));
  const accClean = await heldOutPairwiseAccuracy(clean, heldOut);
  const accNoisy = await heldOutPairwiseAccuracy(noisy, heldOut);
  assert.ok(accClean > 0.75, `held-out accuracy at noise 0: ${accClean} (chance 0.5)`);
  assert.ok(accNoisy < accClean, `noise 0.4 lowers accuracy: ${accNoisy} < ${accClean}`);
  const r = await clean.score({
    rgb: heldOut.slice(0, 5).map((p) => p.chosen),
    prompts: heldOut.slice(0, 5).map((p) => p.prompt),
  });
  assertResultShapes(r, 5, ['score']);
  // The differentiable path gives the same scores and a gradient to the images.
  const x = torch.scope(() => pairTensors(heldOut.slice(0, 5)).chosen.requiresGrad_());
  const s = clean.scoreDifferentiable(
    x,
    heldOut.slice(0, 5).map((p) => p.prompt),
  );
  s.toArray().forEach((v, i) => assert.ok(Math.abs(v - r.total[i]!) < 1e-4));
  const sum = s.sum();
  sum.backward();
  const g = x.grad!;
  assert.ok(torch.scope(() => g.abs().sum().item()) > 0);
  torch.disposeAll([x, s, sum, g]);
  await clean.close();
  await noisy.close();
  assert.throws(
    () => BradleyTerryRewardModel.fromPairs(train.slice(0, 2), { steps: 0 }),
    /steps must be a positive integer, got 0/,
  );
  assert.equal(torch.memoryStats().liveTensors, before, 'training and scoring leak no tensors');
});

test('a trained ensemble keeps its bootstrap resamples; the score is head2 of the penultimate representation', async () => {
  const pairs = train.slice(0, 12);
  const ens = RewardEnsemble.train(pairs, { ...TINY, steps: 2, members: 2, seed: 5 });
  try {
    ens.bootstraps!.forEach((boot, k) => {
      const rng = new Rng(deriveSeed(5, k, 1));
      assert.deepEqual([...boot], Array.from({ length: 12 }, () => rng.int(0, 11)), `member ${k}: N draws with replacement`);
    });
    assert.equal(new RewardEnsemble(ens.members).bootstraps, null, 'a loaded ensemble has none');
    torch.scope(() => torch.noGrad(() => {
      const x = imagesToTensor(pairs.slice(0, 4).map((p) => p.chosen));
      const prompts = pairs.slice(0, 4).map((p) => p.prompt);
      const h = ens.memberPenultimate(x, prompts);
      assert.deepEqual(h.shape, [2, 4, 32]);
      const m = ens.members[1]!;
      const fromH = m.net.head2.forward(h.select(0, 1)).squeeze(1).sub(m.offset);
      assertClose(fromH.toTypedArray() as Float32Array, m.scoreDifferentiable(x, prompts).toTypedArray() as Float32Array, 1e-5, 1e-5, 'score');
    }));
  } finally {
    await ens.close();
  }
});

test('bootstrap ensemble: mean beats chance, std is its uncertainty, members disagree', async () => {
  const ens = RewardEnsemble.train(train, { ...TINY, members: 3 });
  const acc = await heldOutPairwiseAccuracy(ens, heldOut);
  assert.ok(acc > 0.75, `ensemble held-out accuracy ${acc}`);
  const batch = { rgb: heldOut.slice(0, 8).map((p) => p.chosen), prompts: heldOut.slice(0, 8).map((p) => p.prompt) };
  const r = await ens.score(batch);
  assertResultShapes(r, 8, ['mean', 'std']);
  assert.deepEqual([...r.uncertainty!], [...r.components.std!]);
  assert.ok(
    r.uncertainty!.some((u) => u > 0),
    'members trained on different resamples disagree',
  );
  const each = await Promise.all(ens.members.map((m) => m.score(batch)));
  r.total.forEach((v, i) => {
    const xs = each.map((e) => e.total[i]!);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(v - mean) < 1e-5 && Math.abs(r.uncertainty![i]! - std) < 1e-5);
  });
  await ens.close();
});
