// Each sampler step against an independent float64 evaluation of its formula (DESIGN.md §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  sdeStepWithLogProb,
  cpsStepWithLogProb,
  odeEulerStep,
  ddimStepWithLogProb,
  stepKl,
  summedLogProb,
  type StepResult,
} from '../../src/generate/index.js';
import { assertClose } from '../helpers.js';
import { seeded, values } from './fixtures.js';
import { refSde, refCps, refDdim, refOde, refKl, type RefStep } from './reference-formulas.js';

const B = 3;
const SHAPE = [B, 2, 2, 3];
type Dt = 'float32' | 'float64';
const TOL: Record<Dt, number> = { float64: 1e-11, float32: 2e-5 };

/** Per-sample levels as a JS array, and the two ways to pass them: a number (all equal) or a [B] tensor. */
function levels(perSampleValues: number[], dtype: Dt, asTensor: boolean): number | torch.Tensor {
  return asTensor ? torch.tensor(perSampleValues, { dtype }) : perSampleValues[0]!;
}

function check(r: StepResult, ref: RefStep, dtype: Dt, what: string): void {
  const tol = TOL[dtype];
  assertClose(values(r.prevSampleMean), ref.mean, tol, tol, `${what} mean`);
  assertClose(values(r.logProb), ref.logProb, tol, tol, `${what} logProb`);
  assertClose(values(r.stdDev), ref.std, tol, tol, `${what} stdDev`);
  assertClose(values(r.transitionStd), ref.transitionStd, tol, tol, `${what} transitionStd`);
  assert.deepEqual(r.logProb.shape, [B]);
  assert.deepEqual(r.stdDev.shape, [B, 1, 1, 1]);
}

const cases: { dtype: Dt; perSample: boolean }[] = [
  { dtype: 'float64', perSample: false },
  { dtype: 'float64', perSample: true },
  { dtype: 'float32', perSample: false },
  { dtype: 'float32', perSample: true },
];

for (const { dtype, perSample } of cases) {
  const label = `${dtype}, ${perSample ? 'per-sample [B] sigma' : 'scalar sigma'}`;
  // Per-sample levels include σ = 1 (the sigmaMax substitution) when they differ.
  const sigma = perSample ? [1, 0.6, 0.25] : [0.6, 0.6, 0.6];
  const sigmaNext = perSample ? [0.9, 0.45, 0.1] : [0.45, 0.45, 0.45];

  test(`sdeStepWithLogProb matches the float64 formula (${label})`, () => {
    const x = seeded(SHAPE, 1, dtype);
    const v = seeded(SHAPE, 2, dtype);
    const prev = seeded(SHAPE, 3, dtype, 0.5);
    const args = {
      velocity: v,
      sample: x,
      sigma: levels(sigma, dtype, perSample),
      sigmaNext: levels(sigmaNext, dtype, perSample),
    };
    const r = sdeStepWithLogProb({ ...args, sigmaMax: 0.9, noiseLevel: 0.7, prevSample: prev });
    check(r, refSde(values(x), values(v), values(prev), sigma, sigmaNext, 0.9, 0.7), dtype, 'sde');
  });

  test(`cpsStepWithLogProb matches the float64 formula (${label})`, () => {
    const x = seeded(SHAPE, 4, dtype);
    const v = seeded(SHAPE, 5, dtype);
    const prev = seeded(SHAPE, 6, dtype, 0.5);
    const args = {
      velocity: v,
      sample: x,
      sigma: levels(sigma, dtype, perSample),
      sigmaNext: levels(sigmaNext, dtype, perSample),
    };
    const r = cpsStepWithLogProb({ ...args, noiseLevel: 0.6, prevSample: prev });
    check(r, refCps(values(x), values(v), values(prev), sigma, sigmaNext, 0.6), dtype, 'cps');
  });

  test(`odeEulerStep matches the float64 formula (${label})`, () => {
    const x = seeded(SHAPE, 7, dtype);
    const v = seeded(SHAPE, 8, dtype);
    const r = odeEulerStep({
      velocity: v,
      sample: x,
      sigma: levels(sigma, dtype, perSample),
      sigmaNext: levels(sigmaNext, dtype, perSample),
    });
    assertClose(values(r), refOde(values(x), values(v), sigma, sigmaNext), TOL[dtype], TOL[dtype], 'ode');
  });

  test(`ddimStepWithLogProb matches the float64 formula (${label})`, () => {
    const aT = perSample ? [0.3, 0.55, 0.8] : [0.55, 0.55, 0.55];
    const aPrev = perSample ? [0.5, 0.7, 0.95] : [0.7, 0.7, 0.7];
    const x = seeded(SHAPE, 9, dtype);
    const eps = seeded(SHAPE, 10, dtype);
    const prev = seeded(SHAPE, 11, dtype, 0.5);
    const alphas = { alphaProdT: levels(aT, dtype, perSample), alphaProdTPrev: levels(aPrev, dtype, perSample) };
    const r = ddimStepWithLogProb({ epsilon: eps, sample: x, ...alphas, eta: 0.8, prevSample: prev });
    check(r, refDdim(values(x), values(eps), values(prev), aT, aPrev, 0.8), dtype, 'ddim');
  });
}

test('a drawn step is mean + transitionStd·z with z from the given generator, and its logProb is of that sample', () => {
  const x = seeded(SHAPE, 12, 'float64');
  const v = seeded(SHAPE, 13, 'float64');
  const g = new torch.Generator(99);
  const r = sdeStepWithLogProb({
    velocity: v,
    sample: x,
    sigma: 0.7,
    sigmaNext: 0.5,
    sigmaMax: 0.9,
    noiseLevel: 0.7,
    generator: g,
  });
  g.dispose();
  const z = seeded(SHAPE, 99, 'float64');
  const expected = values(r.prevSampleMean).map(
    (m, k) => m + values(r.transitionStd)[Math.floor(k / 12)]! * values(z)[k]!,
  );
  assertClose(values(r.prevSample), expected, 1e-12, 1e-12, 'prevSample');
  const ref = refSde(values(x), values(v), values(r.prevSample), [0.7, 0.7, 0.7], [0.5, 0.5, 0.5], 0.9, 0.7);
  assertClose(values(r.logProb), ref.logProb, 1e-11, 1e-11, 'logProb of the drawn sample');
});

test('summedLogProb is the per-element mean times the element count', () => {
  const x = seeded(SHAPE, 14, 'float64');
  const v = seeded(SHAPE, 15, 'float64');
  const r = cpsStepWithLogProb({
    velocity: v,
    sample: x,
    sigma: 0.8,
    sigmaNext: 0.6,
    noiseLevel: 0.5,
    generator: new torch.Generator(1),
  });
  const summed = summedLogProb(r.prevSample, r.prevSampleMean, r.transitionStd);
  assertClose(
    values(summed),
    values(r.logProb).map((l) => l * 12),
    1e-10,
    1e-12,
    'summed',
  );
});

test("cps 'unnormalized' log-prob is flow_grpo's mean −(x'−μ)²", () => {
  const x = seeded(SHAPE, 16, 'float64');
  const v = seeded(SHAPE, 17, 'float64');
  const prev = seeded(SHAPE, 18, 'float64');
  const r = cpsStepWithLogProb({
    velocity: v,
    sample: x,
    sigma: 0.8,
    sigmaNext: 0.6,
    noiseLevel: 0.5,
    prevSample: prev,
    logProbForm: 'unnormalized',
  });
  const mean = values(r.prevSampleMean);
  const expected = [0, 1, 2].map((b) => {
    let acc = 0;
    for (let j = 0; j < 12; j++) acc -= (values(prev)[b * 12 + j]! - mean[b * 12 + j]!) ** 2;
    return acc / 12;
  });
  assertClose(values(r.logProb), expected, 1e-12, 1e-12, 'unnormalized');
});

test('stepKl is mean (Δμ)²/(2·std²) per sample, for a number, a [B] and a [B,1,1,1] std', () => {
  const m1 = seeded(SHAPE, 19, 'float64');
  const m2 = seeded(SHAPE, 20, 'float64');
  const std = [0.3, 0.5, 0.9];
  const expected = refKl(values(m1), values(m2), std);
  assertClose(values(stepKl(m1, m2, torch.tensor(std, { dtype: 'float64' }))), expected, 1e-12, 1e-12, 'kl [B]');
  assertClose(
    values(stepKl(m1, m2, torch.tensor(std, { dtype: 'float64' }).reshape([B, 1, 1, 1]))),
    expected,
    1e-12,
    1e-12,
    'kl [B,1,1,1]',
  );
  assertClose(values(stepKl(m1, m2, 0.5)), refKl(values(m1), values(m2), [0.5, 0.5, 0.5]), 1e-12, 1e-12, 'kl number');
});

test('a per-sample level with the wrong count fails with a message naming the argument', () => {
  const x = seeded(SHAPE, 21);
  assert.throws(
    () => odeEulerStep({ velocity: x, sample: x, sigma: torch.tensor([0.5, 0.4]), sigmaNext: 0.1 }),
    /refract odeEulerStep: sigma must have 1 or B=3 elements, got shape \[2\]/,
  );
});
