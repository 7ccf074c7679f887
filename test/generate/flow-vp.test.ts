// Flow ↔ VP change of variables (src/generate/flow-vp.ts): hand values, exactness on a known (x₀, ε), DDIM(η=0)
// on the converted model = the flow ODE's Euler steps, and the DDIM log-prob vs an element-wise float64 evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  flowSigmaOfTimestep,
  flowVpAlphasCumprod,
  vpAlphaBarOfFlowSigma,
  vpEpsilonModelOfFlow,
  vpScaleOfFlowSigma,
} from '../../src/generate/flow-vp.js';
import { sampleDdim, sampleFlow, replayLogProbs, ddimSchedule } from '../../src/generate/index.js';
import { assertClose } from '../helpers.js';
import { seeded, values, standInModel, tokens, maxAbsDiff } from './fixtures.js';
import { refDdim } from './reference-formulas.js';

const T = 1000;

test('flow σ → VP ᾱ and scale: hand values', () => {
  assert.equal(vpAlphaBarOfFlowSigma(0), 1);
  assert.equal(vpAlphaBarOfFlowSigma(1), 0);
  assert.ok(Math.abs(vpAlphaBarOfFlowSigma(0.5) - 0.5) < 1e-15); // 0.25 / (0.25 + 0.25)
  assert.ok(Math.abs(vpAlphaBarOfFlowSigma(0.25) - 0.9) < 1e-15); // 0.5625 / (0.5625 + 0.0625)
  assert.ok(Math.abs(vpScaleOfFlowSigma(0.5) - Math.SQRT1_2) < 1e-15);
  assert.equal(flowSigmaOfTimestep(T - 1, T), T / (T + 1));
  const ab = flowVpAlphasCumprod(T);
  assert.equal(ab.length, T);
  assert.ok(ab.every((a, i) => i === 0 || a < ab[i - 1]!), 'ᾱ_t decreases with t');
  assert.throws(() => flowVpAlphasCumprod(1), /numTimesteps must be an integer ≥ 2, got 1/);
});

test('with the true velocity the converted model returns the true ε (and DDIM x̂₀ the true x₀)', () => {
  const x0 = seeded([2, 3, 2, 2], 1, 'float64');
  const eps = seeded([2, 3, 2, 2], 2, 'float64');
  const t = [300, 870];
  const sigma = t.map((ti) => flowSigmaOfTimestep(ti, T));
  const col = (v: number[]): torch.Tensor => torch.tensor(v, { dtype: 'float64' }).reshape([2, 1, 1, 1]);
  const x = x0.mul(col(sigma.map((s) => 1 - s))).add(eps.mul(col(sigma))); // x_σ = (1−σ)x₀ + σε
  const z = x.div(col(sigma.map(vpScaleOfFlowSigma))); // z = x/s
  const trueVelocity = (): torch.Tensor => eps.sub(x0); // v = ε − x₀ whatever the input
  const model = vpEpsilonModelOfFlow(trueVelocity, T);
  const epsHat = model(z, torch.tensor(t, { dtype: 'float64' }), null);
  assertClose(values(epsHat), values(eps), 1e-12, 1e-12, 'ε̂');
  const ab = sigma.map(vpAlphaBarOfFlowSigma);
  const x0Hat = z.sub(epsHat.mul(col(ab.map((a) => Math.sqrt(1 - a))))).div(col(ab.map(Math.sqrt)));
  assertClose(values(x0Hat), values(x0), 1e-10, 1e-10, 'x̂₀ = (z − √(1−ᾱ)ε̂)/√ᾱ');
});

test('DDIM(η = 0) on the converted flow model is the flow Euler chain on the same σ grid', () => {
  const stand = standInModel(3, 4, 1);
  const cond = tokens(2, 3, 1);
  const steps = 6;
  const traj = sampleDdim({
    model: vpEpsilonModelOfFlow(stand.model, T),
    cond,
    alphasCumprod: flowVpAlphasCumprod(T),
    steps,
    eta: 0,
    spacing: 'trailing',
    setAlphaToOne: true,
    seeds: [3, 4],
    shape: [3, 2, 2],
    dtype: 'float64',
  });
  const schedule = ddimSchedule(flowVpAlphasCumprod(T), steps, { spacing: 'trailing', setAlphaToOne: true });
  const sigmas = [...schedule.timesteps.map((t) => flowSigmaOfTimestep(t, T)), 0];
  let x = traj.initialNoise.mul(vpScaleOfFlowSigma(sigmas[0]!)); // x = s·z at the first level
  for (let i = 0; i < steps; i++) {
    const v = stand.model(x, torch.full([2], sigmas[i]!, { dtype: 'float64' }), cond);
    x = x.add(v.mul(sigmas[i + 1]! - sigmas[i]!)); // Euler: x' = x + (σ' − σ)·v̂
    const zNext = traj.latents!.select(1, i + 1);
    const diff = maxAbsDiff(zNext.mul(vpScaleOfFlowSigma(sigmas[i + 1]!)), x);
    assert.ok(diff < 1e-10, `step ${i}: |s·z − x_euler| = ${diff}`);
  }
  assert.ok(maxAbsDiff(traj.finalSample, x) < 1e-10, 'final sample (σ = 0, s = 1) equals the Euler endpoint');
  // Against the flow sampler proper (σ from exactly 1 on its own grid): the grids differ by the factor T/(T+1).
  const flow = sampleFlow({ model: stand.model, cond, steps, sde: 'ode', seeds: [3, 4], shape: [3, 2, 2], dtype: 'float64' });
  const endDiff = maxAbsDiff(flow.finalSample, traj.finalSample);
  assert.ok(endDiff < 5e-3, `flow ODE endpoint vs converted DDIM endpoint: ${endDiff}`);
  stand.dispose();
});

test('DDIM(η = 1) log-probs of the converted model match an element-wise float64 evaluation, and replay', () => {
  const stand = standInModel(3, 5, 1);
  const cond = tokens(2, 3, 2);
  const steps = 4;
  const model = vpEpsilonModelOfFlow(stand.model, T);
  const alphas = flowVpAlphasCumprod(T);
  const opts = { spacing: 'trailing' as const, setAlphaToOne: true };
  const traj = sampleDdim({ model, cond, alphasCumprod: alphas, steps, eta: 1, ...opts, seeds: [7, 8], shape: [3, 2, 2], dtype: 'float64' });
  const schedule = ddimSchedule(alphas, steps, opts);
  assert.deepEqual(traj.stochastic, [true, true, true, false]); // the step to ᾱ = 1 is deterministic
  for (let i = 0; i < steps - 1; i++) {
    const z = traj.latents!.select(1, i);
    const zNext = traj.latents!.select(1, i + 1);
    const sigma = flowSigmaOfTimestep(schedule.timesteps[i]!, T);
    const s = vpScaleOfFlowSigma(sigma);
    const xs = values(z).map((zk) => zk * s); // x = s·z, element-wise
    const v = values(stand.model(z.mul(s), torch.full([2], sigma, { dtype: 'float64' }), cond));
    const eps = xs.map((xk, k) => xk + (1 - sigma) * v[k]!); // ε̂ = x + (1−σ)·v̂
    const ref = refDdim(values(z), eps, values(zNext), [schedule.alphaProdT[i]!, schedule.alphaProdT[i]!], [schedule.alphaProdTPrev[i]!, schedule.alphaProdTPrev[i]!], 1);
    assertClose(values(traj.logProbs.select(1, i)), ref.logProb, 1e-9, 1e-9, `logProb step ${i}`);
    assertClose(values(traj.means!.select(1, i)), ref.mean, 1e-9, 1e-9, `mean step ${i}`);
  }
  const replay = replayLogProbs(model, traj, [0, 1, 2]);
  assertClose(values(replay.logProbs), values(traj.logProbs.narrow(1, 0, 3)), 1e-12, 1e-12, 'replay');
  stand.dispose();
});
