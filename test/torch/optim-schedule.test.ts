// Learning-rate schedules, the LRScheduler and the weight EMA, against closed forms in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Linear, parameter } from '../../src/torch/nn/index.js';
import { AdamW, EMA, LRScheduler, constantSchedule, linearWarmup, warmupCosine } from '../../src/torch/optim/index.js';
import { assertClose, assertScalarClose } from '../helpers.js';

test('warmupCosine at key steps', () => {
  const f = warmupCosine({ warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 });
  assert.equal(f(0), 0, 'warmup starts from 0 (diffusers convention)');
  assertScalarClose(f(5), 0.5, 1e-12, 'mid-warmup');
  assertScalarClose(f(10), 1, 1e-12, 'end of warmup');
  assertScalarClose(f(60), 0.1 + 0.9 * 0.5, 1e-12, 'half-way through the cosine');
  assertScalarClose(f(35), 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)), 1e-12, 'a quarter through');
  assertScalarClose(f(110), 0.1, 1e-12, 'end');
  assertScalarClose(f(500), 0.1, 1e-12, 'held after the end');
  const plain = warmupCosine({ warmupSteps: 0, totalSteps: 4 });
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((s) => Number(plain(s).toFixed(12))),
    [1, 0.853553390593, 0.5, 0.146446609407, 0],
  );
  assert.throws(
    () => warmupCosine({ warmupSteps: 10, totalSteps: 10 }),
    /warmupCosine: totalSteps must exceed warmupSteps \(10\), got 10/,
  );
  assert.throws(
    () => warmupCosine({ warmupSteps: 0, totalSteps: 5, minLrRatio: 2 }),
    /minLrRatio must be in \[0, 1\], got 2/,
  );
  const lw = linearWarmup({ warmupSteps: 4 });
  assert.deepEqual([0, 1, 4, 9].map(lw), [0, 0.25, 1, 1]);
  assert.equal(constantSchedule()(123), 1);
});

test('LRScheduler sets each group lr = base · f(step) and resumes from its state', () => {
  torch.scope(() => {
    const a = parameter(torch.zeros([1]));
    const b = parameter(torch.zeros([1]));
    const opt = new AdamW([
      { params: [a], lr: 0.1 },
      { params: [b], lr: 0.01 },
    ]);
    const sched = new LRScheduler(opt, linearWarmup({ warmupSteps: 4 }));
    assert.deepEqual(sched.getLastLr(), [0, 0]);
    sched.step();
    sched.step();
    assertClose(sched.getLastLr(), [0.05, 0.005], 1e-15, 0, 'after 2 steps');
    const saved = sched.stateDict();
    const opt2 = new AdamW([
      { params: [a], lr: 0.1 },
      { params: [b], lr: 0.01 },
    ]);
    const sched2 = new LRScheduler(opt2, linearWarmup({ warmupSteps: 4 }));
    sched2.loadStateDict(saved);
    assert.equal(sched2.lastStep, 2);
    assert.deepEqual(
      opt2.paramGroups.map((g) => g.lr),
      opt.paramGroups.map((g) => g.lr),
    );
    assert.throws(
      () => new LRScheduler(opt, [constantSchedule()]),
      /LRScheduler: schedule must be one function or 2 \(one per group\), got 1/,
    );
    a.dispose();
    b.dispose();
  });
});

test('EMA follows shadow = d·shadow + (1 − d)·θ, with (1 + n)/(10 + n) warmup', () => {
  torch.scope(() => {
    const p = parameter(torch.tensor([1, -2]));
    const ema = new EMA([['p', p]], 0.9);
    const warm = new EMA([['p', p]], 0.99, { warmup: true });
    let ref = [1, -2];
    let refWarm = [1, -2];
    const values = [
      [3, 0],
      [0.5, 4],
      [-1, 1],
    ];
    values.forEach((v, n) => {
      torch.noGrad(() => p.copy_(torch.tensor(v)));
      ema.update();
      warm.update();
      const dw = Math.min(0.99, (1 + n) / (10 + n));
      ref = ref.map((s, i) => 0.9 * s + 0.1 * v[i]!);
      refWarm = refWarm.map((s, i) => dw * s + (1 - dw) * v[i]!);
      assertClose(ema.shadow('p')!.toArray(), ref, 1e-6, 0, `ema step ${n + 1}`);
      assertClose(warm.shadow('p')!.toArray(), refWarm, 1e-6, 0, `warm ema step ${n + 1}`);
    });
    assert.equal(warm.numUpdates, 3);
    assertScalarClose(warm.currentDecay(), 4 / 13, 1e-15);
    ema.dispose();
    warm.dispose();
    p.dispose();
  });
});

test('EMA copyTo writes shadows into a module; its state dict resumes it', () => {
  const net = new Linear(3, 2);
  const evalNet = new Linear(3, 2);
  const ema = new EMA(net, 0.5);
  torch.scope(() => {
    torch.noGrad(() => net.weight.add_(1));
    ema.update();
    ema.copyTo(evalNet);
    const expected = torch.noGrad(() => net.weight.sub(0.5));
    assertClose(evalNet.weight.toArray(), expected.toArray(), 1e-6, 0, 'ema weight');
    const sd = ema.stateDict();
    assert.deepEqual([...sd.tensors.keys()], ['weight', 'bias']);
    assert.deepEqual(sd.scalars, { decay: 0.5, warmup: false, numUpdates: 1 });
    const resumed = new EMA(evalNet, 0.9);
    resumed.loadStateDict(sd);
    assert.equal(resumed.currentDecay(), 0.5);
    assert.deepEqual(resumed.shadow('weight')!.toArray(), ema.shadow('weight')!.toArray());
    net.loadStateDict(sd.tensors); // shadows load straight into a module
    resumed.dispose();
  });
  assert.throws(
    () => ema.copyTo([['weight', net.weight]]),
    /EMA\.copyTo: target must have every averaged parameter, got none for \[bias\]/,
  );
  for (const m of [net, evalNet, ema]) m.dispose();
});
