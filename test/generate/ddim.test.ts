// DDIM specifics: η = 0 is the deterministic DDIM update; v-prediction and clipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  ddimStepWithLogProb,
  epsilonFromPrediction,
  sampleDdim,
  alphasCumprod,
  ddpmBetas,
  ddimSchedule,
} from '../../src/generate/index.js';
import { assertClose } from '../helpers.js';
import { seeded, values, standInModel, tokens } from './fixtures.js';

/** Deterministic DDIM (Song et al., Eq. 12 with σ_t = 0), element by element. */
function deterministicDdim(x: number[], eps: number[], aT: number, aPrev: number): number[] {
  return x.map((xi, k) => {
    const x0 = (xi - Math.sqrt(1 - aT) * eps[k]!) / Math.sqrt(aT);
    return Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps[k]!;
  });
}

test("DDIM at η = 0 reduces to the deterministic DDIM update and draws x' = μ", () => {
  const x = seeded([2, 3, 4], 1, 'float64');
  const eps = seeded([2, 3, 4], 2, 'float64');
  const r = ddimStepWithLogProb({
    epsilon: eps,
    sample: x,
    alphaProdT: 0.3,
    alphaProdTPrev: 0.6,
    eta: 0,
    generator: new torch.Generator(0),
  });
  const expected = deterministicDdim(values(x), values(eps), 0.3, 0.6);
  assertClose(values(r.prevSampleMean), expected, 1e-12, 1e-12, 'mean');
  assertClose(values(r.prevSample), expected, 1e-12, 1e-12, 'sample');
  assert.deepEqual(values(r.stdDev), [0, 0]);
});

test('sampleDdim at η = 0 is the deterministic DDIM chain: no stochastic steps, zero log-probs', () => {
  const stand = standInModel(3, 4, 1 / 1000);
  const ab = alphasCumprod(ddpmBetas(1000));
  const cond = tokens(2, 3, 1);
  const t = sampleDdim({
    model: stand.model,
    cond,
    alphasCumprod: ab,
    steps: 5,
    eta: 0,
    seeds: [3, 4],
    shape: [3, 2, 2],
    dtype: 'float64',
  });
  assert.ok(t.stochastic.every((s) => !s));
  assert.ok(t.logProbs.toArray().every((l) => l === 0));
  const s = ddimSchedule(ab, 5);
  let x = t.initialNoise;
  for (let i = 0; i < 5; i++) {
    const eps = stand.model(x, torch.full([2], s.timesteps[i]!, { dtype: 'float64' }), cond);
    x = torch
      .tensor(deterministicDdim(values(x), values(eps), s.alphaProdT[i]!, s.alphaProdTPrev[i]!), { dtype: 'float64' })
      .reshape(x.shape);
  }
  assertClose(values(t.finalSample), values(x), 1e-10, 1e-10, 'final sample');
});

test("v-prediction: ε̂ = √ᾱ·v̂ + √(1−ᾱ)·x gives diffusers' x̂₀ = √ᾱ·x − √(1−ᾱ)·v̂", () => {
  const x = seeded([2, 5], 3, 'float64');
  const v = seeded([2, 5], 4, 'float64');
  const a = 0.35;
  const eps = epsilonFromPrediction(v, x, a, 'v_prediction');
  const r = ddimStepWithLogProb({ epsilon: eps, sample: x, alphaProdT: a, alphaProdTPrev: 0.7, eta: 0, prevSample: x });
  const expected = values(x).map((xi, k) => {
    const x0 = Math.sqrt(a) * xi - Math.sqrt(1 - a) * values(v)[k]!;
    const e = Math.sqrt(a) * values(v)[k]! + Math.sqrt(1 - a) * xi;
    return Math.sqrt(0.7) * x0 + Math.sqrt(0.3) * e;
  });
  assertClose(values(r.prevSampleMean), expected, 1e-12, 1e-12, 'mean');
  assert.equal(epsilonFromPrediction(v, x, a, 'epsilon'), v);
});

test('clipSample clamps x̂₀ (off by default)', () => {
  const x = torch.tensor([[3.0, -3.0]], { dtype: 'float64' });
  const eps = torch.zeros([1, 2], { dtype: 'float64' });
  const args = { epsilon: eps, sample: x, alphaProdT: 0.25, alphaProdTPrev: 0.64, eta: 0, prevSample: x };
  assertClose(values(ddimStepWithLogProb(args).prevSampleMean), [4.8, -4.8], 1e-12, 1e-12, 'unclipped: 0.8·x/0.5');
  assertClose(
    values(ddimStepWithLogProb({ ...args, clipSample: 1 }).prevSampleMean),
    [0.8, -0.8],
    1e-12,
    1e-12,
    'clipped',
  );
});
