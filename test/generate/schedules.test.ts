// Noise schedules: SD3's time shift, DDPM betas, DDIM timestep selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  flowSigmas,
  timeShift,
  sigmaMaxOf,
  ddpmBetas,
  alphasCumprod,
  ddimTimesteps,
  ddimSchedule,
} from '../../src/generate/index.js';
import { assertClose } from '../helpers.js';

test("flowSigmas applies σ' = shift·σ/(1+(shift−1)·σ) to linspace(1, 0) and ends at 0", () => {
  const s = flowSigmas(10, { shift: 3 });
  assert.equal(s.length, 11);
  assert.equal(s[0], 1);
  assert.equal(s[10], 0);
  const expected = Array.from({ length: 11 }, (_, i) => {
    const u = 1 - i / 10;
    return (3 * u) / (1 + 2 * u);
  });
  assertClose(s, expected, 1e-15, 0, 'sigmas');
  assert.equal(timeShift(0.5, 3), 0.75);
  for (let i = 1; i < s.length; i++) assert.ok(s[i]! < s[i - 1]!, 'strictly decreasing');
  assertClose(flowSigmas(4), [1, 0.75, 0.5, 0.25, 0], 1e-15, 0, 'no shift');
  assert.equal(sigmaMaxOf(s), s[1]);
  assert.throws(() => flowSigmas(0), /refract flowSigmas: steps must be a positive integer, got 0/);
});

test('DDPM betas: linear, scaled_linear and cosine (Nichol & Dhariwal) schedules', () => {
  const lin = ddpmBetas(1000);
  assert.equal(lin.length, 1000);
  assertClose([lin[0]!, lin[999]!, lin[500]!], [1e-4, 0.02, 1e-4 + (0.02 - 1e-4) * (500 / 999)], 1e-15, 0, 'linear');
  const sl = ddpmBetas(1000, { schedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 });
  assertClose([sl[0]!, sl[999]!], [0.00085, 0.012], 1e-15, 1e-12, 'scaled_linear ends');
  const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const cos = ddpmBetas(1000, { schedule: 'cosine' });
  assertClose(
    [cos[0]!, cos[400]!],
    [1 - f(1 / 1000) / f(0), 1 - f(401 / 1000) / f(400 / 1000)],
    1e-15,
    1e-12,
    'cosine',
  );
  assert.equal(cos[999], 0.999, 'cosine β capped at 0.999');
  const ab = alphasCumprod([0.1, 0.2, 0.5]);
  assertClose(ab, [0.9, 0.72, 0.36], 1e-15, 0, 'alphasCumprod');
  // ᾱ_t of the cosine schedule follows f(t)/f(0) until the cap
  assertClose([alphasCumprod(cos)[499]!], [f(500 / 1000) / f(0)], 1e-10, 0, 'cosine ᾱ');
});

test('DDIM timesteps follow diffusers spacings; the schedule pairs each step with the next level', () => {
  assert.deepEqual(ddimTimesteps(1000, 50).slice(0, 3), [980, 960, 940]);
  assert.equal(ddimTimesteps(1000, 50).at(-1), 0);
  assert.deepEqual(ddimTimesteps(1000, 4, { stepsOffset: 1 }), [751, 501, 251, 1]);
  assert.deepEqual(ddimTimesteps(1000, 10, { spacing: 'trailing' }), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
  assert.deepEqual(ddimTimesteps(1000, 10, { spacing: 'linspace' }), [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
  const ab = alphasCumprod(ddpmBetas(1000));
  const s = ddimSchedule(ab, 4, { stepsOffset: 1 });
  assert.deepEqual(s.alphaProdT, [ab[751], ab[501], ab[251], ab[1]]);
  assert.deepEqual(s.alphaProdTPrev, [ab[501], ab[251], ab[1], ab[0]]);
  assert.equal(ddimSchedule(ab, 4, { setAlphaToOne: true }).alphaProdTPrev[3], 1);
});
