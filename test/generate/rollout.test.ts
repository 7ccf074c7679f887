// Rollouts: per-sample reproducibility, guidance, trajectory layout and native memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  sampleFlow,
  sampleDdim,
  cfg,
  guidedModel,
  disposeTrajectory,
  replayLogProbs,
  alphasCumprod,
  ddpmBetas,
  sliceTrajectory,
} from '../../src/generate/index.js';
import { standInModel, tokens, maxAbsDiff, type TokenCond } from './fixtures.js';

const C = 3;
const SHAPE = [C, 4, 4];
const stand = standInModel(C, 21);
const seeds = Array.from({ length: 16 }, (_, i) => 500 + i);

test("per-sample generators: sample i's trajectory is the same in a batch of 1 and of 16", () => {
  const cond16 = tokens(16, C, 9);
  for (const sde of ['flow_sde', 'cps'] as const) {
    const big = sampleFlow({ model: stand.model, cond: cond16, steps: 6, shift: 3, sde, seeds, shape: SHAPE });
    for (const i of [0, 7, 15]) {
      const one = sampleFlow({
        model: stand.model,
        cond: { tokens: cond16.tokens.narrow(0, i, 1) },
        steps: 6,
        shift: 3,
        sde,
        seeds: [seeds[i]!],
        shape: SHAPE,
      });
      const fromBig = sliceTrajectory(big, i, i + 1);
      assert.equal(maxAbsDiff(one.initialNoise, fromBig.initialNoise), 0, `${sde} sample ${i}: initial noise`);
      const d = maxAbsDiff(one.latents!, fromBig.latents!);
      assert.ok(d < 1e-6, `${sde} sample ${i}: latents differ by ${d}`);
      assert.ok(maxAbsDiff(one.logProbs, fromBig.logProbs) < 1e-5, `${sde} sample ${i}: log-probs`);
    }
  }
  const ab = alphasCumprod(ddpmBetas(1000));
  const ddim = standInModel(C, 22, 1 / 1000);
  const big = sampleDdim({
    model: ddim.model,
    cond: cond16,
    alphasCumprod: ab,
    steps: 5,
    seeds,
    shape: SHAPE,
    stepsOffset: 1,
  });
  const one = sampleDdim({
    model: ddim.model,
    cond: { tokens: cond16.tokens.narrow(0, 4, 1) },
    alphasCumprod: ab,
    steps: 5,
    seeds: [seeds[4]!],
    shape: SHAPE,
    stepsOffset: 1,
  });
  // Relative: the stand-in's DDIM samples reach |x| ~ 10², where one float32 ulp is ~1e-5, and BLAS kernels
  // (OpenBLAS picks its blocking by batch size) may round the 1-sample and 16-sample products differently.
  const dd = maxAbsDiff(one.finalSample, sliceTrajectory(big, 4, 5).finalSample);
  const scale = torch.scope(() => one.finalSample.abs().max().item());
  assert.ok(dd <= 1e-6 * Math.max(1, scale), `ddim sample 4: final samples differ by ${dd} at scale ${scale}`);
});

test('the same seeds give the same rollout; other seeds give another', () => {
  const cond = tokens(4, C, 9);
  const a = sampleFlow({ model: stand.model, cond, steps: 4, seeds: [1, 2, 3, 4], shape: SHAPE });
  const b = sampleFlow({ model: stand.model, cond, steps: 4, seeds: [1, 2, 3, 4], shape: SHAPE });
  const c = sampleFlow({ model: stand.model, cond, steps: 4, seeds: [1, 2, 3, 5], shape: SHAPE });
  assert.equal(maxAbsDiff(a.latents!, b.latents!), 0);
  assert.ok(maxAbsDiff(a.finalSample, c.finalSample) > 0.1);
  assert.equal(maxAbsDiff(a.finalSample.narrow(0, 0, 3), c.finalSample.narrow(0, 0, 3)), 0);
});

test('guidedModel runs cond and uncond in one forward and equals cfg of two forwards', () => {
  const x = torch.randn([5, ...SHAPE], { generator: new torch.Generator(1) });
  const time = torch.full([5], 0.4);
  const cond = tokens(5, C, 2);
  const uncond: TokenCond = { tokens: torch.zeros([5, C]) };
  let calls = 0;
  const counting = (xx: torch.Tensor, t: torch.Tensor, c: TokenCond) => (calls++, stand.model(xx, t, c));
  const guided = guidedModel(counting, { uncond, scale: 4.5 })(x, time, cond);
  assert.equal(calls, 1);
  const expected = cfg(stand.model(x, time, uncond), stand.model(x, time, cond), 4.5);
  assert.ok(maxAbsDiff(guided, expected) < 1e-5);
  assert.equal(guidedModel(stand.model, { uncond, scale: 1 }), stand.model, 'scale 1 is the model itself');
  assert.ok(maxAbsDiff(cfg(torch.zeros([2]), torch.ones([2]), 3), torch.full([2], 3)) === 0);
});

test('a trajectory records the DESIGN §2 fields with the documented shapes and frozen config', () => {
  const t = sampleFlow({
    model: stand.model,
    cond: tokens(3, C, 1),
    steps: 5,
    shift: 2,
    noiseLevel: 0.5,
    sdeWindow: [1, 3],
    seeds: [1, 2, 3],
    shape: SHAPE,
  });
  assert.equal(t.sampler.kind, 'flow');
  assert.ok(Object.isFrozen(t.sampler));
  assert.equal(t.schedule.kind === 'flow' && t.schedule.sigmas.length, 6);
  assert.deepEqual(t.latents!.shape, [3, 6, ...SHAPE]);
  assert.deepEqual(t.means!.shape, [3, 5, ...SHAPE]);
  assert.deepEqual(t.logProbs.shape, [3, 5]);
  assert.deepEqual(t.stdDevs.shape, [3, 5]);
  assert.deepEqual(t.finalSample.shape, [3, ...SHAPE]);
  assert.equal(maxAbsDiff(t.latents!.select(1, 5), t.finalSample), 0);
  assert.equal(maxAbsDiff(t.latents!.select(1, 0), t.initialNoise), 0);
  assert.deepEqual(t.stochastic, [false, true, true, false, false]);
  assert.throws(
    () =>
      sampleFlow({ model: stand.model, cond: tokens(1, C, 1), steps: 4, sdeWindow: [2, 6], seeds: [1], shape: SHAPE }),
    /sdeWindow must be \[start, end\)/,
  );
  assert.throws(
    () => sampleFlow({ model: stand.model, cond: tokens(1, C, 1), steps: 4, guidance: 3, seeds: [1], shape: SHAPE }),
    /uncond must be given/,
  );
});

test('rollout and replay leave no native tensors behind', () => {
  const cond = tokens(4, C, 1);
  const before = torch.memoryStats();
  const t = sampleFlow({ model: stand.model, cond, steps: 4, seeds: [1, 2, 3, 4], shape: SHAPE });
  torch.scope(() => replayLogProbs(stand.model, t, [0, 1, 2], { batchSize: 3 }).logProbs.sum().item());
  disposeTrajectory(t);
  const after = torch.memoryStats();
  assert.equal(after.liveTensors, before.liveTensors, 'tensors');
  assert.equal(after.liveGenerators, before.liveGenerators, 'per-sample generators are freed');
});
