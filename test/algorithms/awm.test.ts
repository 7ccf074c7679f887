// Advantage Weighted Matching: the loss against a float64 closed form computed here in plain JS from the same
// inputs (every weighting, a ratio ≠ 1 with the PPO clip acting, both KL terms), its gradient at ratio 1 (the
// advantage-weighted flow-matching gradient) and a finite-difference gradcheck, the advantage scaling, the
// section's errors, the state round trip, and on a toy problem that a reward favouring bright images rises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { awmLoss, awmAdvantages, parseAwmSection, DEFAULT_AWM_SECTION, AwmAlgorithm, type AwmWeighting } from '../../src/algorithms/awm/index.js';
import { rolloutPrompts } from '../../src/pipeline/text-to-image.js';
import type { AlgorithmState } from '../../src/algorithms/algorithm.js';
import { Rng } from '../../src/data/rng.js';
import { assertClose } from '../helpers.js';
import { gradcheck } from '../gradcheck.js';
import { tinyContext, cloneModel, flatParameters, maxAbsDifference, disposeContext } from './ddpo-fixtures.js';

const N = 3;
const SHAPE = [N, 1, 2, 2];
const n = 4;

function values(seed: number, count: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => rng.normal());
}

const target = values(1, N * n); // ε − x₀
const vTheta = values(2, N * n);
const vRef = values(3, N * n);
const vEma = values(4, N * n);
const t = [0.9, 0.5, 0.2];
const A = [1, -0.5, -0.8];
const clipRange = 0.2;
const [betaRef, betaEma, q] = [0.01, 0.5, 0.25];
/** ℓ − ℓ_old per point: ρ = e^0.4 > 1.2 (clipped, A > 0), e^0.05 (inside), e^−0.4 < 0.8 (clipped, A < 0). */
const logRatio = [0.4, 0.05, -0.4];

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
const point = (a: readonly number[], p: number): number[] => a.slice(p * n, (p + 1) * n);

function logProb(e: number, tp: number, w: AwmWeighting): number {
  if (w === 'uniform') return -e;
  if (w === 't') return -tp * e;
  return (-tp * ((e + 1e-10) ** q - 1e-10 ** q)) / q;
}

/** loss_p in float64 from the formulas of src/algorithms/awm/loss.ts, with ℓ_old = ℓ − logRatio. */
function closedForm(w: AwmWeighting): { perPoint: number[]; oldLogProb: number[] } {
  const perPoint: number[] = [];
  const oldLogProb: number[] = [];
  for (let p = 0; p < N; p++) {
    const e = mean(point(vTheta, p).map((v, k) => (v - point(target, p)[k]!) ** 2));
    oldLogProb.push(logProb(e, t[p]!, w) - logRatio[p]!);
    const rho = Math.exp(logRatio[p]!);
    const j = Math.max(-A[p]! * rho, -A[p]! * Math.min(Math.max(rho, 1 - clipRange), 1 + clipRange));
    const kl = (other: number[]): number => mean(point(vTheta, p).map((v, k) => (v - point(other, p)[k]!) ** 2));
    perPoint.push(j + betaRef * kl(vRef) + betaEma * kl(vEma));
  }
  return { perPoint, oldLogProb };
}

const f64 = (v: readonly number[], shape = SHAPE): torch.Tensor => torch.fromTypedArray(Float64Array.from(v), shape);

function lossInput(theta: torch.Tensor, w: AwmWeighting, old?: number[]) {
  return {
    vTheta: theta,
    target: f64(target),
    t: f64(t, [N]),
    advantage: f64(A, [N]),
    ...(old ? { oldLogProb: f64(old, [N]) } : {}),
    clipRange,
    weighting: w,
    ghuberPower: q,
    vRef: f64(vRef),
    klCoefficient: betaRef,
    vEma: f64(vEma),
    emaKlCoefficient: betaEma,
  };
}

test('awmLoss equals the float64 closed form for every weighting, with the clip acting', () => {
  const live = torch.memoryStats().liveTensors;
  for (const w of ['uniform', 't', 'ghuber'] as const) {
    torch.scope(() => {
      const want = closedForm(w);
      const out = awmLoss(lossInput(f64(vTheta), w, want.oldLogProb));
      assertClose(out.perPoint.toArray(), want.perPoint, 1e-12, 1e-12, `${w}: loss_p`);
      assertClose(out.ratio.toArray(), logRatio.map(Math.exp), 1e-12, 1e-12, `${w}: ρ`);
      assertClose([out.loss.item()], [mean(want.perPoint)], 1e-12, 1e-12, `${w}: loss`);
    });
  }
  assert.equal(torch.memoryStats().liveTensors, live, 'no tensor leaks');
});

test('awmLoss at ratio 1: the gradient is the advantage-weighted flow-matching gradient plus the KL terms', () => {
  torch.scope(() => {
    const theta = f64(vTheta).requiresGrad_(true);
    const out = awmLoss(lossInput(theta, 'uniform'));
    assertClose(out.ratio.toArray(), [1, 1, 1], 0, 0, 'ρ = 1 on the first pass');
    out.loss.backward();
    const want = vTheta.map((v, k) => {
      const p = Math.floor(k / n);
      return ((2 / n) * (A[p]! * (v - target[k]!) + betaRef * (v - vRef[k]!) + betaEma * (v - vEma[k]!))) / N;
    });
    assertClose(theta.grad!.toArray(), want, 1e-12, 1e-10, '∂loss/∂v_θ');
  });
});

test('awmLoss: gradcheck in v_θ with ℓ_old given (ghuber weighting, the clip acting)', () => {
  torch.scope(() => {
    const old = closedForm('ghuber').oldLogProb;
    gradcheck((v) => awmLoss(lossInput(v, 'ghuber', old)).perPoint, [f64(vTheta).requiresGrad_(true)]);
  });
});

test('awmAdvantages: A = clip(Â, −c, c)·max/c', () => {
  torch.scope(() => {
    assertClose(awmAdvantages(torch.tensor([-10, -2.5, 0, 1, 5, 6]), 5, 1).toArray(), [-1, -0.5, 0, 0.2, 1, 1], 1e-7, 0, 'A');
  });
  assert.throws(() => awmAdvantages(torch.zeros([1]), 5, 0), /awm\.advantageClip and awm\.advantageMax must be > 0, got 5 and 0/);
});

test('awm section: defaults (the authors\' where they fit) and bad fields named', () => {
  const d = DEFAULT_AWM_SECTION;
  assert.deepEqual([d.sampler.kind, d.sampler.guidance, d.clipRange, d.klCoefficient, d.emaKlCoefficient, d.advantageMax], ['ode', 1, 1, 1e-3, 1, 1]);
  assert.deepEqual(d.ema, { flat: 0, rate: 0.001, max: 0.3 });
  assert.deepEqual(d.timesteps, { distribution: 'grid', perSample: 4, gridStart: 1 });
  assert.throws(() => parseAwmSection({ weighting: 'huber' }), /field "weighting"/);
  assert.throws(() => parseAwmSection({ sampler: { steps: 4 } }), /field "timesteps\.perSample" must not exceed the 3 grid levels/);
  assert.throws(() => parseAwmSection({ ghuberPower: 2 }), /field "ghuberPower"/);
});

const SMALL = { promptsPerIteration: 2, groupSize: 3, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 4, lr: 1e-3, innerEpochs: 2, ema: { rate: 0.3 } };

test('awm: state round trip (optimizer, EMA copy, steps) gives the same next iteration; no EMA copy without its KL', async () => {
  torch.setNumThreads(1);
  const ctx = tinyContext(4);
  const section = parseAwmSection(SMALL);
  const alg = new AwmAlgorithm(ctx, section);
  const ctx2 = { ...ctx, policy: cloneModel(ctx.policy) };
  let saved: AlgorithmState | undefined;
  try {
    const first = await alg.step(1);
    assert.equal(first.metrics['optimizerSteps'], 2);
    assert.equal(first.metrics['emaDecay'], 0.3, 'd = min(0.3·2, 0.3)');
    assert.ok(Number.isFinite(first.metrics['clipFraction']!) && Number.isFinite(first.metrics['klEma']!));
    const state = alg.stateDict();
    saved = { tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, v.clone()])), json: structuredClone(state.json) };
    torch.disposeAll(Object.values(state.tensors));
    assert.ok(Object.keys(saved.tensors).some((k) => k.startsWith('ema.')), 'the EMA copy is saved');
    torch.scope(() => ctx2.policy.loadStateDict(ctx.policy.stateDict()));
    const resumed = new AwmAlgorithm(ctx2, section);
    resumed.loadStateDict(saved);
    const [a, b] = [await alg.step(2), await resumed.step(2)];
    assert.equal(a.metrics['loss'], b.metrics['loss']);
    assert.equal(maxAbsDifference(flatParameters(ctx.policy), flatParameters(ctx2.policy)), 0);
    resumed.dispose();
    const plain = new AwmAlgorithm(ctx2, parseAwmSection({ ...SMALL, emaKlCoefficient: 0 }));
    torch.scope(() => assert.ok(!Object.keys(plain.stateDict().tensors).some((k) => k.startsWith('ema.'))));
    assert.ok(Number.isNaN((await plain.step(1)).metrics['klEma']!));
    plain.dispose();
  } finally {
    torch.disposeAll(Object.values(saved?.tensors ?? {}));
    alg.dispose();
    ctx2.policy.dispose();
    disposeContext(ctx);
  }
});

test('awm raises a reward that favours bright images on a toy problem, leaking no tensors', async () => {
  torch.setNumThreads(1);
  const ctx = tinyContext(11);
  const alg = new AwmAlgorithm(ctx, parseAwmSection({ ...SMALL, groupSize: 4, minibatchSize: 8, innerEpochs: 1, lr: 3e-3, klCoefficient: 0, emaKlCoefficient: 0 }));
  const brightness = (): number =>
    torch.scope(() => {
      const texts = ['a red circle', 'two blue squares', 'a green triangle', 'a yellow square'];
      const traj = rolloutPrompts(ctx.policy, texts, texts.map((_, i) => 900 + i), { steps: 3, guidance: 1, sde: 'ode' });
      return traj.finalSample.clamp(-1, 1).add(1).div(2).mean().item();
    });
  try {
    const before = brightness();
    await alg.step(1); // creates the optimizer's moments
    const live = torch.memoryStats().liveTensors;
    for (let it = 2; it <= 8; it++) await alg.step(it);
    assert.equal(torch.memoryStats().liveTensors, live, 'iterations leak no tensors');
    const after = brightness();
    assert.ok(after > before + 0.05, `brightness ${before.toFixed(4)} → ${after.toFixed(4)}`);
  } finally {
    alg.dispose();
    disposeContext(ctx);
  }
});
