// DDPO on a tiny randomised model: config errors name the field, the first inner epoch's importance ratios are
// 1 within 1e-5, one iteration changes the parameters with finite metrics, and a state-dict round trip (optimizer
// moments + per-prompt stat tracker) reproduces the next iteration exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { DdpoAlgorithm, parseDdpoSection, DEFAULT_DDPO_SECTION } from '../../src/algorithms/ddpo/index.js';
import type { AlgorithmState } from '../../src/algorithms/algorithm.js';
import { tinyContext, cloneModel, flatParameters, maxAbsDifference, disposeContext } from './ddpo-fixtures.js';

const SMALL = {
  promptsPerIteration: 2,
  samplesPerPrompt: 2,
  sampler: { steps: 3 },
  minibatchSize: 2,
  gradientAccumulation: 2,
  innerEpochs: 2,
  lr: 1e-3,
  statTracker: { bufferSize: 8, minCount: 2 },
};

test('ddpo section: defaults, and bad fields are named with the fix', () => {
  assert.equal(DEFAULT_DDPO_SECTION.sampler.eta, 1);
  assert.equal(DEFAULT_DDPO_SECTION.clipRange, 1e-4);
  assert.throws(() => parseDdpoSection({ clipRange: -1 }), /field "clipRange" .*got -1/);
  assert.throws(() => parseDdpoSection({ sampler: { eta: 0 } }), /field "sampler\.eta"/);
  assert.throws(() => parseDdpoSection({ clip: 0.1 }), /unknown field\(s\) "clip"/);
  assert.throws(() => parseDdpoSection({ statTracker: { bufferSize: 4, minCount: 8 } }), /field "statTracker\.minCount" must not exceed the buffer size \(4\), got 8/);
  assert.throws(() => parseDdpoSection({ sampler: { steps: 3 }, trainSteps: 3 }), /field "trainSteps" must not exceed the 2 stochastic steps/);
});

test('ddpo: first-epoch ratios are 1 ± 1e-5, parameters change, metrics are finite', async () => {
  torch.setNumThreads(1);
  const ctx = tinyContext(0);
  const alg = new DdpoAlgorithm(ctx, parseDdpoSection(SMALL));
  try {
    const before = flatParameters(ctx.policy);
    const log = await alg.step(1);
    assert.equal(log.samples, 4);
    // gradientAccumulation 2 × minibatch 2 = the whole batch: the first epoch is scored entirely at the rollout weights
    assert.ok(log.diagnostics['ratio_max_dev_first_epoch']! <= 1e-5, `first-epoch max |ratio − 1| = ${log.diagnostics['ratio_max_dev_first_epoch']}`);
    assert.ok(log.diagnostics['ratio_max_dev_before_update']! <= 1e-5);
    for (const k of [0, 1]) assert.ok(Math.abs(log.diagnostics[`ratio_mean_step_${k}`]! - 1) <= 1e-5, `step ${k} ratio`);
    assert.equal(log.diagnostics['ratio_mean_step_2'], undefined, 'the last step (to σ = 0) is deterministic, not trained');
    assert.equal(log.metrics['optimizerSteps'], 2); // one per inner epoch
    for (const [k, v] of Object.entries(log.metrics)) assert.ok(Number.isFinite(v), `metric ${k} = ${v}`);
    assert.ok(log.klToReference >= 0 && log.klToReference < 1e-9, `KL before any update is 0, got ${log.klToReference}`);
    assert.equal(log.skippedUpdate, false);
    assert.ok(log.reward > 0 && log.reward < 1);
    const moved = maxAbsDifference(before, flatParameters(ctx.policy));
    assert.ok(moved > 1e-6, `parameters moved by ${moved}`);
    const second = await alg.step(2);
    assert.ok(second.klToReference > 0, 'after an update the policy differs from the reference');
    assert.ok(second.diagnostics['ratio_max_dev_before_update']! <= 1e-5);
  } finally {
    alg.dispose();
    disposeContext(ctx);
  }
});

test('ddpo: small gradientAccumulation → several optimizer steps per epoch; later ratios move, earlier stay 1', async () => {
  const ctx = tinyContext(1);
  const alg = new DdpoAlgorithm(ctx, parseDdpoSection({ ...SMALL, innerEpochs: 1, minibatchSize: 1, gradientAccumulation: 1, lr: 1e-2, clipRange: 1e-6 }));
  try {
    const log = await alg.step(1);
    assert.equal(log.metrics['optimizerSteps'], 4);
    assert.ok(log.diagnostics['ratio_max_dev_before_update']! <= 1e-5);
    assert.ok(log.diagnostics['ratio_max_dev_first_epoch']! > 1e-6, 'minibatches after an update see new weights');
  } finally {
    alg.dispose();
    disposeContext(ctx);
  }
});

test('ddpo: stateDict round trip (optimizer + stat tracker) gives the same next iteration', async () => {
  const ctx = tinyContext(2);
  const section = parseDdpoSection(SMALL);
  const alg = new DdpoAlgorithm(ctx, section);
  let saved: AlgorithmState | undefined;
  const ctx2 = { ...ctx, policy: cloneModel(ctx.policy) };
  try {
    await alg.step(1);
    const state = alg.stateDict();
    saved = { tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [k, t.clone()])), json: JSON.parse(JSON.stringify(state.json)) as Record<string, unknown> };
    for (const t of Object.values(state.tensors)) t.dispose();
    const tracker = saved.json['statTracker'] as { buffers: Record<string, number[]> };
    assert.equal(Object.values(tracker.buffers).flat().length, 4, 'the tracker state holds the 4 rewards of iteration 1');
    torch.scope(() => ctx2.policy.loadStateDict(ctx.policy.stateDict()));
    const resumed = new DdpoAlgorithm(ctx2, section);
    resumed.loadStateDict(saved);
    const a = await alg.step(2);
    const b = await resumed.step(2);
    resumed.dispose();
    assert.equal(a.reward, b.reward);
    assert.equal(a.metrics['loss'], b.metrics['loss']);
    assert.equal(a.diagnostics['advantage_mean'], b.diagnostics['advantage_mean']);
    assert.equal(maxAbsDifference(flatParameters(ctx.policy), flatParameters(ctx2.policy)), 0);
    assert.throws(() => resumed.loadStateDict({ tensors: {}, json: {} }), /state must hold json\.statTracker/);
  } finally {
    for (const t of Object.values(saved?.tensors ?? {})) t.dispose();
    alg.dispose();
    ctx2.policy.dispose();
    disposeContext(ctx);
  }
});
