// Reward-weighted regression: the weight function against hand-computed cases and its limits, the loss terms
// against generate/'s flowMatchingLoss, config errors, one iteration on a tiny model, and exact resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { RwrAlgorithm, parseRwrSection, DEFAULT_RWR_SECTION, rewardWeights, effectiveSampleSize } from '../../src/algorithms/rwr/index.js';
import { rwrLossTerms, drawNoisedTimes } from '../../src/algorithms/rwr/loss.js';
import { flowMatchingLoss } from '../../src/generate/flow-matching-loss.js';
import { SHAPES_VOCABULARY } from '../../src/data/shapes/vocab.js';
import type { AlgorithmState } from '../../src/algorithms/algorithm.js';
import { assertClose } from '../helpers.js';
import { tinyContext, tinyModel, cloneModel, flatParameters, maxAbsDifference, disposeContext } from './ddpo-fixtures.js';

const SMALL = { promptsPerIteration: 2, samplesPerPrompt: 2, sampler: { steps: 3 }, minibatchSize: 3, innerEpochs: 2, lr: 1e-3 };

test('rewardWeights: hand-computed cases', () => {
  assertClose(rewardWeights([0, Math.LN2], 1), [1 / 3, 2 / 3], 1e-12, 0, 'exp(A)'); // w̃ = [1, 2]
  assertClose(rewardWeights([0, 2 * Math.log(3)], 2), [1 / 4, 3 / 4], 1e-12, 0, 'exp(A/2)'); // w̃ = [1, 3]
  assertClose(rewardWeights([0, Math.LN2, 3 * Math.LN2], 1, 4), [1 / 7, 2 / 7, 4 / 7], 1e-12, 0, 'cap ω_max = 4'); // w̃ = [1, 2, min(8, 4)]
  assertClose(rewardWeights([1000, 1001], 1), [1 / (1 + Math.E), Math.E / (1 + Math.E)], 1e-12, 0, 'no overflow');
});

test('rewardWeights: τ → ∞ gives uniform weights, τ → 0 the argmax (ties shared), with a cap the capped set', () => {
  assertClose(rewardWeights([1, -2, 3, 0.5], Infinity), [0.25, 0.25, 0.25, 0.25], 1e-15, 0, 'τ = ∞');
  assertClose(rewardWeights([1, -2, 3, 0.5], 1e9), [0.25, 0.25, 0.25, 0.25], 1e-8, 0, 'τ = 1e9');
  assertClose(rewardWeights([0.1, 0.5, 0.3], 1e-6), [0, 1, 0], 1e-12, 0, 'τ → 0');
  assertClose(rewardWeights([0.5, 0.5, 0.3], 1e-6), [0.5, 0.5, 0], 1e-12, 0, 'τ → 0, tie');
  assertClose(rewardWeights([-1, 1, 2], 1e-6, 5), [0, 0.5, 0.5], 1e-12, 0, 'τ → 0 with a cap: every A > 0 reaches it');
  assert.equal(effectiveSampleSize([0.25, 0.25, 0.25, 0.25]), 4);
  assert.equal(effectiveSampleSize([1, 0, 0]), 1);
  assert.throws(() => rewardWeights([1, 2], 0), /temperature must be > 0, got 0/);
  assert.throws(() => rewardWeights([1, NaN], 1), /advantages must be finite/);
  assert.throws(() => rewardWeights([], 1), /advantages must be non-empty/);
  assert.throws(() => rewardWeights([1], 1, -1), /maxWeight must be > 0, got -1/);
});

test('rwr section: defaults and bad fields named', () => {
  assert.equal(DEFAULT_RWR_SECTION.sampler.kind, 'ode');
  assert.throws(() => parseRwrSection({ temperature: 0 }), /field "temperature" .*got 0/);
  assert.throws(() => parseRwrSection({ sampler: { kind: 'ddim' } }), /field "sampler\.kind"/);
  assert.throws(() => parseRwrSection({ tau: 1 }), /unknown field\(s\) "tau"/);
  assert.throws(() => parseRwrSection({ advantage: { kind: 'tracker', bufferSize: 2, minCount: 3 } }), /field "advantage\.minCount" must not exceed the buffer size \(2\), got 3/);
});

test('rwr loss terms: L_i equals flowMatchingLoss per sample at the same (ε, σ); the anchor is 0 at the reference; draws ignore the split', () => {
  const m = tinyModel(5);
  const ref = cloneModel(m);
  try {
    torch.scope(() => {
      const cond = m.encode(SHAPES_VOCABULARY.tokenizeBatch(['a red circle', 'two blue squares', 'a green triangle', 'a circle']));
      const x0 = torch.randn([4, 3, 32, 32], { generator: new torch.Generator(1) }).tanh();
      const gens = (from: number, to: number): torch.Generator[] => Array.from({ length: to - from }, (_, k) => new torch.Generator(100 + from + k));
      const all = drawNoisedTimes(x0, gens(0, 4), 'logit_normal');
      const a = drawNoisedTimes(x0.narrow(0, 0, 2), gens(0, 2), 'logit_normal');
      const b = drawNoisedTimes(x0.narrow(0, 2, 2), gens(2, 4), 'logit_normal');
      assert.deepEqual(all.sigma.toArray(), [...a.sigma.toArray(), ...b.sigma.toArray()]);
      assert.deepEqual(all.noise.toArray(), torch.cat([a.noise, b.noise], 0).toArray());
      assert.ok(all.sigma.toArray().every((s) => s > 0 && s < 1));
      const terms = rwrLossTerms(m.denoiser(), ref.denoiser(), x0, cond, all.noise, all.sigma);
      const fm = flowMatchingLoss(m.denoiser(), x0, cond, { noise: all.noise, sigma: all.sigma });
      assertClose(terms.flowMatching.toArray(), fm.perSample.toArray(), 1e-7, 1e-6, 'L_i');
      assertClose(terms.anchor!.toArray(), [0, 0, 0, 0], 1e-12, 0, 'anchor at the reference');
    });
  } finally {
    m.dispose();
    ref.dispose();
  }
});

test('rwr: one iteration changes the parameters with finite metrics; large τ weights uniformly', async () => {
  torch.setNumThreads(1);
  const ctx = tinyContext(0);
  const alg = new RwrAlgorithm(ctx, parseRwrSection({ ...SMALL, temperature: 1e6, referenceCoefficient: 0.5 }));
  try {
    const before = flatParameters(ctx.policy);
    const log = await alg.step(1);
    assert.equal(log.samples, 4);
    for (const [k, v] of Object.entries(log.metrics)) assert.ok(Number.isFinite(v), `metric ${k} = ${v}`);
    assert.ok(Math.abs(log.diagnostics['effective_sample_size']! - 4) < 1e-4);
    assert.ok(Math.abs(log.metrics['weightedFlowMatching']! - log.metrics['meanFlowMatching']!) < 1e-5, 'uniform weights: Σ w·L = mean L');
    assert.ok(log.klToReference >= 0 && log.klToReference < 1e-12, `anchor before any update: ${log.klToReference}`);
    assert.equal(log.metrics['optimizerSteps'], 2);
    assert.ok(maxAbsDifference(before, flatParameters(ctx.policy)) > 1e-6);
    const second = await alg.step(2);
    assert.ok(second.klToReference > 0, 'the anchor grows once the policy moved');
  } finally {
    alg.dispose();
    disposeContext(ctx);
  }
});

test('rwr: stateDict round trip (optimizer + tracker) gives the same next iteration', async () => {
  const ctx = tinyContext(3);
  const section = parseRwrSection({ ...SMALL, temperature: 0.3, advantage: { kind: 'tracker', bufferSize: 4, minCount: 2 } });
  const alg = new RwrAlgorithm(ctx, section);
  const ctx2 = { ...ctx, policy: cloneModel(ctx.policy) };
  let saved: AlgorithmState | undefined;
  try {
    const first = await alg.step(1);
    assert.ok(first.diagnostics['effective_sample_size']! < 4, 'τ = 0.3 concentrates the weights');
    const state = alg.stateDict();
    saved = { tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [k, t.clone()])), json: JSON.parse(JSON.stringify(state.json)) as Record<string, unknown> };
    for (const t of Object.values(state.tensors)) t.dispose();
    assert.ok(saved.json['statTracker'] !== undefined);
    torch.scope(() => ctx2.policy.loadStateDict(ctx.policy.stateDict()));
    const resumed = new RwrAlgorithm(ctx2, section);
    resumed.loadStateDict(saved);
    const a = await alg.step(2);
    const b = await resumed.step(2);
    resumed.dispose();
    assert.equal(a.metrics['loss'], b.metrics['loss']);
    assert.equal(a.diagnostics['weight_max'], b.diagnostics['weight_max']);
    assert.equal(maxAbsDifference(flatParameters(ctx.policy), flatParameters(ctx2.policy)), 0);
    assert.throws(() => resumed.loadStateDict({ tensors: {}, json: {} }), /state must hold json\.statTracker/);
  } finally {
    for (const t of Object.values(saved?.tensors ?? {})) t.dispose();
    alg.dispose();
    ctx2.policy.dispose();
    disposeContext(ctx);
  }
});
