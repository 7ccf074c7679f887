// The lagged policy copy (src/algorithms/ema-policy.ts) and the forward-noised training points
// (src/algorithms/training-points.ts) shared by DiffusionNFT and AWM: the EMA update against a float64 computation,
// its limits exactly, the weight swap restoring the policy bit for bit (also when the callback throws), the state
// round trip and its errors, the decay schedule, and the points' formula, layout and determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { EmaPolicy, emaDecayAt } from '../../src/algorithms/ema-policy.js';
import { drawTrainingPoints } from '../../src/algorithms/training-points.js';
import { flowSigmas } from '../../src/generate/flow-schedule.js';
import type { TextToImageModel } from '../../src/models/text-to-image.js';
import { assertClose } from '../helpers.js';
import { tinyModel } from './ddpo-fixtures.js';

function trainable(m: TextToImageModel): number[] {
  return torch.scope(() => m.parameters().filter((p) => p.requiresGrad).flatMap((p) => p.detach().toArray()));
}

/** θ ← θ + N(0, 1)·0.1 on every trainable parameter. */
function perturb(m: TextToImageModel, seed: number): void {
  const g = new torch.Generator(seed);
  torch.noGrad(() => {
    for (const p of m.parameters().filter((q) => q.requiresGrad)) torch.scope(() => p.add_(torch.randn(p.shape, { generator: g }).mul(0.1)));
  });
  g.dispose();
}

/** The copy's weights, read by running inside it. */
function inside(ema: EmaPolicy, m: TextToImageModel): number[] {
  return ema.run(() => trainable(m));
}

test('EmaPolicy: the update matches d·e + (1 − d)·θ; d = 0 copies, d = 1 keeps; run and swapIn restore the policy exactly, copyIntoPolicy keeps the copy; no leaks', () => {
  const m = tinyModel(2);
  m.encoder.requiresGrad_(false); // as every algorithm freezes it: only the trainable weights are copied
  const live = torch.memoryStats().liveTensors;
  const ema = new EmaPolicy(m);
  try {
    assert.equal(ema.size, m.parameters().filter((p) => p.requiresGrad).length);
    const e0 = trainable(m);
    perturb(m, 1);
    const theta = trainable(m);
    assert.deepEqual(inside(ema, m), e0, 'the copy starts at the policy');
    assert.deepEqual(trainable(m), theta, 'run restored the policy bit for bit');
    ema.update(0.25);
    const want = e0.map((e, k) => 0.25 * e + 0.75 * theta[k]!);
    assertClose(inside(ema, m), want, 1e-7, 1e-6, 'd = 0.25');
    ema.update(1);
    assertClose(inside(ema, m), want, 1e-7, 1e-6, 'd = 1 keeps the copy');
    ema.update(0);
    assert.deepEqual(inside(ema, m), theta, 'd = 0 copies the policy exactly');
    perturb(m, 2);
    const before = trainable(m);
    assert.throws(() => ema.run(() => { throw new Error('inside'); }), /inside/);
    assert.deepEqual(trainable(m), before, 'restored after a throw');
    assert.throws(() => ema.update(1.5), /EMA decay must be in \[0, 1\], got 1\.5/);
    const restore = ema.swapIn(); // the awaitable form: in until restore, which runs once
    assert.deepEqual(trainable(m), theta, 'swapIn puts the copy in');
    restore();
    restore();
    assert.deepEqual(trainable(m), before, 'restore puts the policy back, once');
    ema.copyIntoPolicy();
    assert.deepEqual(trainable(m), theta, 'copyIntoPolicy keeps the copy in for good');
  } finally {
    ema.dispose();
  }
  assert.equal(torch.memoryStats().liveTensors, live, 'no tensor leaks');
  m.dispose();
});

test('EmaPolicy: state round trip into another copy; a missing or misshapen tensor is named', () => {
  const m = tinyModel(3);
  const a = new EmaPolicy(m);
  perturb(m, 4);
  a.update(0.5);
  const b = new EmaPolicy(m);
  try {
    torch.scope(() => b.loadStateDict(a.stateDict('old'), 'old', 'nft.loadStateDict'));
    assert.deepEqual(inside(b, m), inside(a, m));
    torch.scope(() => {
      const sd = a.stateDict('old');
      const [first] = Object.keys(sd);
      assert.throws(() => b.loadStateDict({ ...sd, [first!]: torch.zeros([1]) }, 'old', 'nft.loadStateDict'), /refract nft\.loadStateDict: state\.tensors\["old\..*"\] must hold a \[.*\] tensor, got shape \[1\]/);
    });
  } finally {
    a.dispose();
    b.dispose();
    m.dispose();
  }
});

test('emaDecayAt: 0 before `flat`, then min(rate·(n − flat), max) (DiffusionNFT decay types 1 and 2)', () => {
  const type1 = { flat: 0, rate: 0.001, max: 0.5 };
  assert.deepEqual([0, 100, 1000].map((n) => emaDecayAt(n, type1)), [0, 0.1, 0.5]);
  const type2 = { flat: 75, rate: 0.0075, max: 0.999 };
  assert.deepEqual([74, 75, 175, 1000].map((n) => emaDecayAt(n, type2)), [0, 0, 0.75, 0.999]);
});

test('drawTrainingPoints: x_t = (1 − t)·x₀ + t·ε, K distinct grid levels per sample, sample-major copies, deterministic', () => {
  torch.scope(() => {
    const x0 = torch.randn([3, 1, 2, 2], { generator: new torch.Generator(9) });
    const cond = { context: torch.arange(3).reshape([3, 1]) };
    const sigmas = flowSigmas(4); // [1, 0.75, 0.5, 0.25, 0]
    const times = { distribution: 'grid', perSample: 3, gridStart: 1 } as const;
    const p = drawTrainingPoints(x0, cond, times, sigmas, 5, 2);
    assert.equal(p.count, 9);
    const t = p.t.toArray();
    for (let i = 0; i < 3; i++) {
      const levels = [0, 1, 2].map((k) => t[k * 3 + i]!);
      assert.deepEqual([...levels].sort(), [0.25, 0.5, 0.75], `sample ${i}: levels 1..3, each once`);
    }
    assert.deepEqual(p.cond.context.toArray(), [0, 1, 2, 0, 1, 2, 0, 1, 2], 'point k·B + i belongs to sample i');
    const want = p.x0.toArray().map((x, k) => (1 - t[Math.floor(k / 4)]!) * x + t[Math.floor(k / 4)]! * p.noise.toArray()[k]!);
    assertClose(p.xt.toArray(), want, 1e-6, 1e-6, 'x_t');
    const again = drawTrainingPoints(x0, cond, times, sigmas, 5, 2);
    assert.deepEqual(again.noise.toArray(), p.noise.toArray());
    assert.deepEqual(again.t.toArray(), t);
    const high = drawTrainingPoints(x0, cond, { distribution: 'grid', perSample: 2, gridStart: 0, gridEnd: 2 }, sigmas, 5, 2).t.toArray();
    for (let i = 0; i < 3; i++) assert.deepEqual([high[i]!, high[3 + i]!].sort(), [0.75, 1], `sample ${i}: gridEnd 2 draws levels 0 and 1 only`);
    const u = drawTrainingPoints(x0, cond, { ...times, distribution: 'logit_normal' }, sigmas, 5, 3).t.toArray();
    assert.ok(u.every((v) => v > 0 && v < 1) && new Set(u).size === 9, 'logit-normal times in (0, 1)');
  });
});
