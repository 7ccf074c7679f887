// Diffusion-DPO: the loss against a hand computation and its sign, online pairing, gradients reaching the policy
// and not the reference, online/offline iterations on a tiny model, determinism, state-dict round trip, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import type { TextToImageModel } from '../../src/models/text-to-image.js';
import { Rng } from '../../src/data/rng.js';
import { samplePrompt } from '../../src/data/shapes/grammar.js';
import { syntheticShapesPairs } from '../../src/rewards/preference/pairs.js';
import type { AlgorithmContext, AlgorithmStepLog } from '../../src/algorithms/algorithm.js';
import { diffusionDpoLoss } from '../../src/algorithms/dpo/loss.js';
import { groupPreferencePairs } from '../../src/algorithms/dpo/online-pairs.js';
import { DiffusionDpoAlgorithm, type DpoDependencies } from '../../src/algorithms/dpo/algorithm.js';
import { parseDpoSection, DEFAULT_DPO_SECTION } from '../../src/algorithms/dpo/config.js';
import { pairFlowMatchingLosses, drawPairNoise } from '../../src/algorithms/dpo/update.js';
import { pairBatchOf } from '../../src/algorithms/dpo/pair-source.js';
import { loadPreferencePairs, writePreferencePairs } from '../../src/store/preference-pairs.js';
import { assertClose, assertScalarClose } from '../helpers.js';
import { brightnessReward, cloneModel, tinyModel } from './ddpo-fixtures.js';

torch.setNumThreads(1);

const shapesPrompts = { name: 'shapes', sample: (rng: Rng) => { const p = samplePrompt(rng); return { text: p.text, shapes: p }; } };

function context(policy: TextToImageModel, reference: TextToImageModel, seed = 5): AlgorithmContext {
  reference.requiresGrad_(false);
  reference.eval();
  return { policy, reference, reward: brightnessReward, prompts: shapesPrompts, seed };
}

function paramsOf(m: TextToImageModel): Float32Array[] {
  return m.parameters().map((p) => p.toTypedArray() as Float32Array);
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((x, i) => x.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

/** The DPO algorithm of a raw (unparsed) section, as the registry builds it from a parsed one. */
function createDiffusionDpo(ctx: AlgorithmContext, raw: unknown, deps?: DpoDependencies): DiffusionDpoAlgorithm {
  return new DiffusionDpoAlgorithm(ctx, parseDpoSection(raw), deps);
}

const ONLINE = { mode: 'online', beta: 100, lr: 1e-3, innerEpochs: 2, minibatchSize: 2, online: { promptsPerIteration: 2, groupSize: 2, sampler: { steps: 2 } } };

test('DPO loss equals the hand computation, and lowering the winner loss lowers it', () => {
  const t = (v: number[]): torch.Tensor => torch.tensor(v, { dtype: 'float64' });
  const lw = t([0.5, 0.3, 0.4]).requiresGrad_();
  const ll = t([0.7, 0.3, 0.2]).requiresGrad_();
  const rw = t([0.6, 0.3, 0.4]);
  const rl = t([0.65, 0.3, 0.3]);
  const beta = 10;
  const out = diffusionDpoLoss({ policyWinner: lw, policyLoser: ll, referenceWinner: rw, referenceLoser: rl, beta });
  // inside = (Lw − Ll) − (Rw − Rl): −0.15, 0, 0.1 → logits z = −(β/2)·inside: 0.75, 0, −0.5
  const z = [0.75, 0, -0.5];
  const expected = z.reduce((s, v) => s + Math.log1p(Math.exp(-v)), 0) / 3; // mean −log σ(z)
  assertScalarClose(out.loss.item(), expected, 1e-12, 'loss');
  assertClose(out.margin.toArray(), z, 1e-12, 0, 'margin');
  assertScalarClose(out.accuracy, (1 + 0.5 + 0) / 3, 1e-12, 'accuracy (tie counts half)');
  assertScalarClose(out.meanMargin, (0.75 - 0.5) / 3, 1e-12, 'mean margin');
  out.loss.backward();
  // ∂loss/∂Lw_i = (β/2)·(1 − σ(z_i))/N > 0 and ∂loss/∂Ll_i = −∂loss/∂Lw_i
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  assertClose(lw.grad!.toArray(), z.map((v) => ((beta / 2) * (1 - sig(v))) / 3), 1e-12, 0, '∂/∂Lw');
  assertClose(ll.grad!.toArray(), z.map((v) => (-(beta / 2) * (1 - sig(v))) / 3), 1e-12, 0, '∂/∂Ll');
  const lower = diffusionDpoLoss({ policyWinner: t([0.45, 0.3, 0.4]), policyLoser: ll, referenceWinner: rw, referenceLoser: rl, beta });
  assert.ok(lower.loss.item() < out.loss.item(), 'a lower winner loss gives a lower DPO loss');
  const raised = diffusionDpoLoss({ policyWinner: lw, policyLoser: t([0.75, 0.3, 0.2]), referenceWinner: rw, referenceLoser: rl, beta });
  assert.ok(raised.loss.item() < out.loss.item(), 'a higher loser loss gives a lower DPO loss');
  assert.throws(() => diffusionDpoLoss({ policyWinner: lw, policyLoser: t([1, 2]), referenceWinner: rw, referenceLoser: rl, beta }), /policyLoser must be \[N\] like policyWinner \[3\], got \[2\]/);
  assert.throws(() => diffusionDpoLoss({ policyWinner: lw, policyLoser: ll, referenceWinner: rw, referenceLoser: rl, beta: 0 }), /beta must be > 0, got 0/);
});

test('online pairs: best vs worst per group, all ordered pairs above the margin, ties skipped', () => {
  const r = [0.1, 0.9, 0.5, 0.5, 0.5, 1, 0, 0.6];
  const g = [0, 0, 0, 1, 1, 2, 2, 2];
  assert.deepEqual(
    groupPreferencePairs(r, g, 'best_worst').map((p) => [p.winner, p.loser]),
    [[1, 0], [5, 6]], // group 1 is a tie: skipped
  );
  assert.deepEqual(
    groupPreferencePairs(r, g, 'all', 0.3).map((p) => [p.winner, p.loser]),
    [[1, 0], [1, 2], [2, 0], [5, 6], [5, 7], [7, 6]].filter(([w, l]) => r[w]! - r[l]! > 0.3),
  );
  assert.deepEqual(groupPreferencePairs([1, NaN], [0, 0], 'best_worst'), []);
  assert.throws(() => groupPreferencePairs([1], [0, 0], 'all'), /rewards must have one value per sample \(2\), got 1/);
});

test('config: defaults, and errors name the bad field', () => {
  assert.equal(DEFAULT_DPO_SECTION.mode, 'online');
  assert.equal(DEFAULT_DPO_SECTION.online.sampler.steps, 8);
  assert.equal(DEFAULT_DPO_SECTION.offline.source.kind, 'synthetic');
  assert.throws(() => parseDpoSection({ beta: -1 }), /field "beta"/);
  assert.throws(() => parseDpoSection({ online: { groupSize: 1 } }), /field "online\.groupSize"/);
  assert.throws(() => parseDpoSection({ online: { pairng: 'all' } }), /online: unknown field\(s\) "pairng"/);
  assert.throws(() => parseDpoSection({ offline: { source: { kind: 'file' } } }), /field "offline\.source\.path"/);
});

test('gradients reach the policy and not the reference; shared noise makes θ = ref give margin 0', () => {
  const policy = tinyModel(1);
  const reference = cloneModel(policy);
  reference.requiresGrad_(false);
  const pairs = syntheticShapesPairs({ count: 3, seed: 2 });
  const batch = pairBatchOf(pairs);
  const { sigma, noise } = drawPairNoise(3, [3, 32, 32], 'uniform', 9);
  const pol = pairFlowMatchingLosses(policy, batch, sigma, noise);
  const ref = torch.noGrad(() => pairFlowMatchingLosses(reference, batch, sigma, noise));
  assertClose(pol.winner.toArray(), ref.winner.toArray(), 1e-6, 1e-5, 'identical weights: L_θ = L_ref');
  const out = diffusionDpoLoss({ policyWinner: pol.winner, policyLoser: pol.loser, referenceWinner: ref.winner, referenceLoser: ref.loser, beta: 1000 });
  assertScalarClose(out.loss.item(), Math.log(2), 1e-4, 'loss at θ = ref is log 2');
  out.loss.backward();
  const withGrad = policy.backbone.parameters().filter((p) => p.grad !== null && torch.scope(() => p.grad!.abs().sum().item()) > 0);
  assert.ok(withGrad.length > policy.backbone.parameters().length / 2, `policy backbone gets gradients (${withGrad.length})`);
  assert.ok(reference.parameters().every((p) => p.grad === null), 'the reference gets none');
  torch.disposeAll([batch, sigma, noise, pol, ref, out]);
  policy.dispose();
  reference.dispose();
});

test('online DPO: an iteration updates the policy only, logs implicit accuracy, and is deterministic', async () => {
  const base = tinyModel(2);
  const run = async (): Promise<{ logs: AlgorithmStepLog[]; params: Float32Array[]; refChanged: number }> => {
    const live = torch.memoryStats().liveTensors;
    const policy = cloneModel(base);
    const reference = cloneModel(base);
    const before = paramsOf(reference);
    const alg = createDiffusionDpo(context(policy, reference), ONLINE);
    const logs = [await alg.step(1), await alg.step(2)];
    const out = { logs, params: paramsOf(policy), refChanged: maxDiff(before, paramsOf(reference)) };
    alg.dispose();
    policy.dispose();
    reference.dispose();
    assert.equal(torch.memoryStats().liveTensors, live, 'two iterations leak no tensors');
    return out;
  };
  const a = await run();
  const b = await run();
  for (const l of a.logs) {
    assert.equal(l.samples, 4);
    assert.ok(l.reward > 0 && l.reward < 1);
    assert.equal(l.metrics['pairs'], 2, 'one pair per group of 2 (brightness never ties)');
    assert.ok(Number.isFinite(l.metrics['implicitAccuracy']!) && Number.isFinite(l.metrics['loss']!));
    assert.equal(l.skippedUpdate, false);
  }
  assertScalarClose(a.logs[0]!.metrics['implicitMargin']!, 0, 1e-4, 'margin before any update');
  assert.ok(maxDiff(a.params, paramsOf(base)) > 0, 'the policy moved');
  assert.equal(a.refChanged, 0, 'the reference did not');
  assert.deepEqual(a.logs, b.logs, 'same seed, same logs');
  assert.equal(maxDiff(a.params, b.params), 0, 'same seed, same weights');
  base.dispose();
});

test('state-dict round trip: a resumed run continues exactly', async () => {
  const base = tinyModel(3);
  const full = { policy: cloneModel(base), reference: cloneModel(base) };
  const algFull = createDiffusionDpo(context(full.policy, full.reference), ONLINE);
  await algFull.step(1);
  const state = algFull.stateDict();
  const resumed = { policy: cloneModel(full.policy), reference: cloneModel(base) };
  const algResumed = createDiffusionDpo(context(resumed.policy, resumed.reference), ONLINE);
  algResumed.loadStateDict(state);
  torch.disposeAll(Object.values(state.tensors));
  const l1 = await algFull.step(2);
  const l2 = await algResumed.step(2);
  assert.deepEqual(l2, l1);
  assert.equal(maxDiff(paramsOf(full.policy), paramsOf(resumed.policy)), 0);
  assert.throws(() => algResumed.loadStateDict({ tensors: {}, json: {} }), /state\.json\.optimizer must hold the optimizer's scalars/);
  for (const a of [algFull, algResumed]) a.dispose();
  for (const m of [full.policy, full.reference, resumed.policy, resumed.reference, base]) m.dispose();
});

test('offline DPO: synthetic pairs, and pairs read back from a JSONL preferences file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-dpo-'));
  try {
    const base = tinyModel(4);
    const offline = (source: unknown): unknown => ({ mode: 'offline', beta: 100, lr: 1e-3, innerEpochs: 1, offline: { pairsPerIteration: 3, source } });
    const policy = cloneModel(base);
    const reference = cloneModel(base);
    const alg = createDiffusionDpo(context(policy, reference), offline({ kind: 'synthetic', count: 6, labelNoise: 0.2, seed: 1 }));
    const log = await alg.step(1);
    assert.equal(log.samples, 0);
    assert.ok(Number.isNaN(log.reward), 'no fresh samples: reward is NaN');
    assert.equal(log.metrics['pairs'], 3);
    assert.ok(maxDiff(paramsOf(policy), paramsOf(base)) > 0);
    alg.dispose();

    const pairs = syntheticShapesPairs({ count: 4, seed: 3 });
    const file = writePreferencePairs(dir, pairs, 'gold');
    const back = loadPreferencePairs(file);
    assert.equal(back.length, 4);
    back.forEach((p, i) => {
      assert.equal(p.prompt.text, pairs[i]!.prompt.text);
      assertClose(p.chosen.data, pairs[i]!.chosen.data, 1 / 255, 0, `pair ${i} chosen (8-bit PNG)`);
    });
    const fromFile = createDiffusionDpo(context(policy, reference), offline({ kind: 'file', path: file }), { loadPreferenceFile: loadPreferencePairs });
    assert.equal((await fromFile.step(1)).metrics['pairs'], 3);
    fromFile.dispose();
    assert.throws(() => createDiffusionDpo(context(policy, reference), offline({ kind: 'file', path: file })), /dpo\.offline\.source\.path needs a preference-file loader/);
    assert.throws(() => loadPreferencePairs(path.join(dir, 'none.jsonl')), /must exist/);
    for (const m of [policy, reference, base]) m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
