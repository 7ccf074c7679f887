// Stochastic samplers in their limits: SDE/CPS final samples converge to the ODE's as the noise level → 0, and
// the log-probs are normalised densities (Monte-Carlo −E[log p] equals the Gaussian entropy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  sampleFlow,
  sdeStepWithLogProb,
  cpsStepWithLogProb,
  ddimStepWithLogProb,
  summedLogProb,
  type StepResult,
} from '../../src/generate/index.js';
import { standInModel, tokens, maxAbsDiff, seeded } from './fixtures.js';

const C = 3;
const SHAPE = [C, 4, 4];
const stand = standInModel(C, 11);

for (const sde of ['flow_sde', 'cps'] as const) {
  test(`${sde} final samples converge to the ODE's as the noise level → 0, error decreasing`, () => {
    const common = {
      model: stand.model,
      cond: tokens(4, C, 3),
      steps: 10,
      shift: 3,
      seeds: [5, 6, 7, 8],
      shape: SHAPE,
      dtype: 'float64' as const,
    };
    const ode = sampleFlow({ ...common, sde: 'ode' });
    assert.ok(ode.stochastic.every((s) => !s));
    const errors = [0.3, 0.1, 0.03, 0.01, 0.001].map((noiseLevel) =>
      maxAbsDiff(sampleFlow({ ...common, sde, noiseLevel }).finalSample, ode.finalSample),
    );
    for (let i = 1; i < errors.length; i++)
      assert.ok(errors[i]! < errors[i - 1]!, `errors must decrease: ${errors.join(', ')}`);
    assert.ok(errors[errors.length - 1]! < 1e-2, `error at a = 0.001: ${errors[errors.length - 1]}`);
  });
}

test('steps outside the SDE window are ODE steps: same noise-free path until the window opens', () => {
  const common = { model: stand.model, cond: tokens(2, C, 3), steps: 6, seeds: [1, 2], shape: SHAPE };
  const windowed = sampleFlow({ ...common, sdeWindow: [2, 4] });
  const ode = sampleFlow({ ...common, sde: 'ode' });
  assert.deepEqual(windowed.stochastic, [false, false, true, true, false, false]);
  const upTo = (t: typeof ode, n: number) => t.latents!.narrow(1, 0, n).contiguous();
  assert.equal(maxAbsDiff(upTo(windowed, 3), upTo(ode, 3)), 0, 'x_T..x_2 equal the ODE path');
  assert.ok(maxAbsDiff(windowed.finalSample, ode.finalSample) > 1e-3, 'the window adds noise');
  assert.deepEqual(windowed.logProbs.select(1, 0).toArray(), [0, 0]);
});

/** −E[logProb] by Monte Carlo over N samples of D elements, against the entropy 0.5·log(2πe·s²) per element. */
function checkEntropy(draw: (x: torch.Tensor, v: torch.Tensor, g: torch.Generator) => StepResult, what: string): void {
  const N = 4096;
  const D = 8;
  const x = seeded([N, D], 1, 'float64');
  const v = seeded([N, D], 2, 'float64');
  const g = new torch.Generator(3);
  const r = draw(x, v, g);
  g.dispose();
  const s = r.transitionStd.toArray()[0]!;
  const entropy = 0.5 * Math.log(2 * Math.PI * Math.E * s * s); // per element
  const mcMean = -r.logProb.mean().item();
  // std of the estimate: √2/2/√(N·D) ≈ 0.004; allow 5σ
  assert.ok(Math.abs(mcMean - entropy) < 0.02, `${what} per-element: −E[logProb] = ${mcMean}, entropy ${entropy}`);
  const mcSum = -summedLogProb(r.prevSample, r.prevSampleMean, r.transitionStd).mean().item();
  assert.ok(Math.abs(mcSum - D * entropy) < D * 0.02, `${what} summed: ${mcSum} vs ${D * entropy}`);
}

test('log-probs integrate: −E[logProb] equals the Gaussian entropy 0.5·log(2πe·std²·(−dt)) (flow SDE)', () => {
  checkEntropy(
    (x, v, generator) =>
      sdeStepWithLogProb({
        velocity: v,
        sample: x,
        sigma: 0.6,
        sigmaNext: 0.45,
        sigmaMax: 0.9,
        noiseLevel: 0.7,
        generator,
      }),
    'sde',
  );
});

test('log-probs integrate for CPS and DDIM steps too', () => {
  checkEntropy(
    (x, v, generator) =>
      cpsStepWithLogProb({ velocity: v, sample: x, sigma: 0.6, sigmaNext: 0.45, noiseLevel: 0.7, generator }),
    'cps',
  );
  checkEntropy(
    (x, v, generator) =>
      ddimStepWithLogProb({ epsilon: v, sample: x, alphaProdT: 0.4, alphaProdTPrev: 0.6, eta: 1, generator }),
    'ddim',
  );
});
