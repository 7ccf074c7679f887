// The x̂₀ observer of the samplers: it must not change a rollout (bit for bit), and what it sees must be the
// formulas' x̂₀ — for flow, the last ODE step lands on it exactly; for DDIM, Eq. 12 recomputed in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { sampleFlow, sampleDdim, alphasCumprod, ddpmBetas, ddimSchedule, disposeTrajectory, type Trajectory } from '../../src/generate/index.js';
import { standInModel, tokens, maxAbsDiff, type TokenCond } from './fixtures.js';

const C = 3;
const SHAPE = [C, 4, 4];
const seeds = [11, 12, 13];

/** Every recorded tensor of two trajectories has the same bytes. */
function assertSameRollout(a: Trajectory<TokenCond>, b: Trajectory<TokenCond>, what: string): void {
  const pairs: [string, Tensor | null, Tensor | null][] = [
    ['initialNoise', a.initialNoise, b.initialNoise],
    ['latents', a.latents, b.latents],
    ['means', a.means, b.means],
    ['logProbs', a.logProbs, b.logProbs],
    ['finalSample', a.finalSample, b.finalSample],
  ];
  for (const [name, x, y] of pairs) {
    if (x === null || y === null) continue;
    const bytes = (t: Tensor): Buffer => {
      const a = t.toTypedArray();
      return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    };
    assert.ok(bytes(x).equals(bytes(y)), `${what}: ${name} must be bit-identical`);
  }
}

test('the x̂₀ observer leaves flow SDE, CPS and ODE rollouts bit-identical', () => {
  const stand = standInModel(C, 31);
  const cond = tokens(3, C, 5);
  for (const sde of ['flow_sde', 'cps', 'ode'] as const) {
    const base = { model: stand.model, cond, steps: 6, shift: 3, sde, seeds, shape: SHAPE };
    const plain = sampleFlow(base);
    const seen: number[] = [];
    const watched = sampleFlow({ ...base, onPrediction: (i, x0) => void seen.push(i, x0.sum().item()) });
    assertSameRollout(plain, watched, sde);
    assert.deepEqual(seen.filter((_, k) => k % 2 === 0), [0, 1, 2, 3, 4, 5], `${sde}: one call per step, in order`);
    disposeTrajectory(plain);
    disposeTrajectory(watched);
  }
  stand.dispose();
});

test('flow: the last step x̂₀ = x − σ·v̂ is exactly where the ODE lands; earlier ones differ from it', () => {
  const stand = standInModel(C, 32);
  const kept: Tensor[] = [];
  const t = sampleFlow({
    model: stand.model,
    cond: tokens(3, C, 6),
    steps: 5,
    sde: 'ode',
    seeds,
    shape: SHAPE,
    onPrediction: (_, x0) => void kept.push(x0.clone().keep()),
  });
  assert.equal(kept.length, 5);
  assert.ok(maxAbsDiff(kept[4]!, t.finalSample) < 1e-6, 'x̂₀ at σ_{N−1} equals the final Euler step');
  assert.ok(maxAbsDiff(kept[0]!, t.finalSample) > 1e-3, 'the first x̂₀ is not the final sample');
  for (const k of kept) k.dispose();
  disposeTrajectory(t);
  stand.dispose();
});

test('DDIM(η = 1): the observer changes nothing and sees x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t (float64 check)', () => {
  const stand = standInModel(C, 33, 1 / 1000);
  const cond = tokens(3, C, 7);
  const ab = alphasCumprod(ddpmBetas(1000));
  const base = { model: stand.model, cond, alphasCumprod: ab, steps: 4, seeds, shape: SHAPE, stepsOffset: 1, dtype: 'float64' as const };
  const plain = sampleDdim(base);
  const seen: { i: number; x0: Tensor }[] = [];
  const watched = sampleDdim({ ...base, onPrediction: (i, x0) => void seen.push({ i, x0: x0.clone().keep() }) });
  assertSameRollout(plain, watched, 'ddim');
  const schedule = ddimSchedule(ab, 4, { stepsOffset: 1 });
  for (const { i, x0 } of seen) {
    torch.scope(() => {
      const x = watched.latents!.select(1, i); // x_t at step i
      const eps = stand.model(x, torch.full([3], schedule.timesteps[i]!, { dtype: 'float64' }), cond);
      const a = schedule.alphaProdT[i]!;
      const expected = x.sub(eps.mul(Math.sqrt(1 - a))).div(Math.sqrt(a));
      assert.ok(maxAbsDiff(x0, expected) < 1e-9, `step ${i}`);
    });
    x0.dispose();
  }
  disposeTrajectory(plain);
  disposeTrajectory(watched);
  stand.dispose();
});

test('observing leaves no native tensors behind', () => {
  const stand = standInModel(C, 34);
  const cond = tokens(3, C, 8);
  const before = torch.memoryStats();
  const t = sampleFlow({ model: stand.model, cond, steps: 4, seeds, shape: SHAPE, onPrediction: (_, x0) => void x0.mean().item() });
  disposeTrajectory(t);
  const after = torch.memoryStats();
  assert.equal(after.liveTensors, before.liveTensors);
  cond.tokens.dispose();
  stand.dispose();
});
