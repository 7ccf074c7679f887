// Reward back-propagation: gradients flow only through the intended sampler steps (DRaFT-K, DRaFT-LV, ReFL) and
// match the hand-derived values on a linear toy model; a learned Bradley–Terry reward back-propagates to the images
// (directional finite-difference check); the algorithm updates the policy only, is deterministic, resumes exactly,
// and refuses a non-differentiable reward by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import type { TextToImageModel } from '../../src/models/text-to-image.js';
import { Rng } from '../../src/data/rng.js';
import { samplePrompt } from '../../src/data/shapes/grammar.js';
import { flowSigmas } from '../../src/generate/flow-schedule.js';
import { shapesGoldReward } from '../../src/rewards/shapes-gold.js';
import { BradleyTerryRewardModel } from '../../src/rewards/preference/bt-model.js';
import { RewardEnsemble } from '../../src/rewards/preference/ensemble.js';
import { untrainedBt } from '../rewards/helpers.js';
import { loadBradleyTerry, saveBradleyTerry, trainSyntheticPreferenceReward } from '../../src/rewards/preference/synthetic-reward.js';
import { isDifferentiable } from '../../src/rewards/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AlgorithmContext, AlgorithmStepLog } from '../../src/algorithms/algorithm.js';
import { draftSample, draftLvPredictions, reflPrediction } from '../../src/algorithms/reward-backprop/ode-backprop.js';
import { RewardBackpropAlgorithm } from '../../src/algorithms/reward-backprop/algorithm.js';
import { parseRewardBackpropSection, DEFAULT_REWARD_BACKPROP_SECTION } from '../../src/algorithms/reward-backprop/config.js';
import { assertClose } from '../helpers.js';
import { cloneModel, tinyModel } from './ddpo-fixtures.js';

torch.setNumThreads(1);

const N = 4;
const SIGMAS = flowSigmas(N); // 1, 0.75, 0.5, 0.25, 0

/** v(x, σ_i) = a_i·x: one parameter per sampler step, so a step's gradient shows up on its own parameter. */
function linearToy(): { model: (x: Tensor, t: Tensor, c: null) => Tensor; a: Tensor[] } {
  const a = [0.3, -0.2, 0.5, 0.7].map((v) => torch.tensor([v], { dtype: 'float64' }).requiresGrad_());
  const model = (x: Tensor, t: Tensor, _c: null): Tensor => {
    const i = SIGMAS.indexOf(t.toArray()[0]!);
    assert.ok(i >= 0 && i < N, `called at a sampler σ, got ${t.toArray()[0]}`);
    return x.mul(a[i]!);
  };
  return { model, a };
}

const grads = (a: Tensor[]): (number | null)[] => a.map((p) => (p.grad === null ? null : p.grad.item()));

test('DRaFT-K: only the last K steps get gradients, with the hand-derived values', () => {
  const { model, a } = linearToy();
  const xT = torch.tensor([[1.0, -2.0]], { dtype: 'float64' });
  const x0 = draftSample(model, null, xT, SIGMAS, 2);
  x0.sum().backward();
  // Euler: x_{i+1} = x_i·(1 + dt_i·a_i), dt_i = σ_{i+1} − σ_i = −0.25
  const f = [0.3, -0.2, 0.5, 0.7].map((v) => 1 - 0.25 * v);
  const s = -1; // sum of x_T
  const g = grads(a);
  assert.equal(g[0], null, 'step 0 gets no gradient');
  assert.equal(g[1], null, 'step 1 gets no gradient');
  assert.ok(Math.abs(g[2]! - s * f[0]! * f[1]! * -0.25 * f[3]!) < 1e-12, `∂/∂a_2 = ${g[2]}`);
  assert.ok(Math.abs(g[3]! - s * f[0]! * f[1]! * f[2]! * -0.25) < 1e-12, `∂/∂a_3 = ${g[3]}`);
  assertClose(x0.toArray(), [1, -2].map((v) => v * f.reduce((p, q) => p * q, 1)), 1e-12, 0, 'x₀');
  assert.throws(() => draftSample(model, null, xT, SIGMAS, 5), /k must be an integer in \[1, steps=4\], got 5/);
});

test('DRaFT-1 and DRaFT-LV: only the last step; ReFL: only the stop step', () => {
  let toy = linearToy();
  draftSample(toy.model, null, torch.tensor([[1.0]], { dtype: 'float64' }), SIGMAS, 1).sum().backward();
  assert.deepEqual(grads(toy.a).map((v) => v !== null), [false, false, false, true]);

  toy = linearToy();
  const x0 = torch.tensor([[0.5, 1.5]], { dtype: 'float64' });
  const noises = [torch.tensor([[1.0, 0.0]], { dtype: 'float64' }), torch.tensor([[0.0, -1.0]], { dtype: 'float64' })];
  const sigma = SIGMAS[N - 1]!;
  const lv = draftLvPredictions(toy.model, null, x0, sigma, noises);
  assert.deepEqual(lv.shape, [2, 2], 'n re-noised copies stacked on the batch dim');
  lv.sum().backward();
  // x̂₀ = x_σ·(1 − σ·a_3), x_σ = (1−σ)·x₀ + σ·ε_i: ∂/∂a_3 = −σ·Σ x_σ
  const xs = [0.75 * 0.5 + 0.25, 0.75 * 1.5, 0.75 * 0.5, 0.75 * 1.5 - 0.25];
  assert.deepEqual(grads(toy.a).slice(0, 3), [null, null, null]);
  assert.ok(Math.abs(toy.a[3]!.grad!.item() + sigma * xs.reduce((p, q) => p + q)) < 1e-12);

  toy = linearToy();
  const xT = torch.tensor([[2.0]], { dtype: 'float64' });
  const pred = reflPrediction(toy.model, null, xT, SIGMAS, 2);
  pred.sum().backward();
  const g = grads(toy.a);
  assert.deepEqual(g.map((v) => v !== null), [false, false, true, false], 'ReFL at step 2: only a_2');
  const x2 = 2 * (1 - 0.25 * 0.3) * (1 + 0.25 * 0.2);
  assert.ok(Math.abs(g[2]! + SIGMAS[2]! * x2) < 1e-12, 'x̂₀ = x₂ − σ₂·a₂·x₂');
  assert.throws(() => reflPrediction(toy.model, null, xT, SIGMAS, 4), /stop step must be an integer in \[0, 3\], got 4/);
});

/** Directional derivative of sum(score) along u: autograd vs central differences. */
function directionalCheck(score: (x: Tensor) => Tensor, x: Tensor, u: Tensor, eps: number): [number, number] {
  const xg = x.clone().requiresGrad_();
  const s = score(xg).sum();
  s.backward();
  const auto = torch.scope(() => xg.grad!.mul(u).sum().item());
  const fd = torch.noGrad(() =>
    torch.scope(() => (score(x.add(u.mul(eps))).sum().item() - score(x.sub(u.mul(eps))).sum().item()) / (2 * eps)),
  );
  torch.disposeAll([xg, s]);
  return [auto, fd];
}


test('a Bradley–Terry reward (and an ensemble of them) back-propagates to the images', async () => {
  const rng = new Rng(4);
  const prompts = [0, 1].map(() => ({ text: samplePrompt(rng).text }));
  torch.manualSeed(8);
  const x = torch.rand([2, 3, 32, 32]).mul(2).sub(1);
  const u = torch.randn([2, 3, 32, 32]);
  const bt = untrainedBt(1);
  const ens = new RewardEnsemble([bt, untrainedBt(2)]);
  for (const rm of [bt, ens]) {
    const [auto, fd] = directionalCheck((im) => rm.scoreDifferentiable(im, prompts), x, u, 1e-2);
    assert.ok(Math.abs(auto) > 1e-6, `${rm.name}: a non-zero image gradient (${auto})`);
    assert.ok(Math.abs(auto - fd) <= 2e-2 * Math.abs(fd) + 1e-6, `${rm.name}: autograd ${auto} vs finite differences ${fd}`);
  }
  assert.ok(bt.net.parameters().every((p) => p.grad === null), 'the frozen reward model accumulates no gradient');
  await ens.close();
  torch.disposeAll([x, u]);
});

const paramsOf = (m: { parameters(): Tensor[] }): Float32Array[] => m.parameters().map((p) => p.toTypedArray() as Float32Array);
function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((x, i) => x.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

const shapesPrompts = { name: 'shapes', sample: (rng: Rng) => { const p = samplePrompt(rng); return { text: p.text, shapes: p }; } };

function context(policy: TextToImageModel, reference: TextToImageModel, reward: AlgorithmContext['reward']): AlgorithmContext {
  reference.requiresGrad_(false);
  reference.eval();
  return { policy, reference, reward, prompts: shapesPrompts, seed: 7 };
}

/** The algorithm of a raw (unparsed) section, as the registry builds it from a parsed one. */
function createRewardBackprop(ctx: AlgorithmContext, raw: unknown): RewardBackpropAlgorithm {
  return new RewardBackpropAlgorithm(ctx, parseRewardBackpropSection(raw));
}

const SECTIONS = {
  draft: { method: 'draft', batchSize: 2, lr: 1e-3, sampler: { steps: 3 }, regularizer: { kind: 'reference', weight: 0.5 } },
  lv: { method: 'draft', batchSize: 2, lr: 1e-3, sampler: { steps: 3 }, draft: { k: 1, lvSamples: 2 } },
  refl: { method: 'refl', batchSize: 2, lr: 1e-3, sampler: { steps: 3 }, refl: { stopStep: [1, 2] } },
} as const;

test('ReFL / DRaFT / DRaFT-LV iterations move the policy only, deterministically', async () => {
  const base = tinyModel(1);
  const reward = untrainedBt(3);
  const rewardBefore = paramsOf(reward.net);
  for (const [name, section] of Object.entries(SECTIONS)) {
    const run = async (): Promise<{ log: AlgorithmStepLog; params: Float32Array[]; refMoved: number }> => {
      const live = torch.memoryStats().liveTensors;
      const policy = cloneModel(base);
      const reference = cloneModel(base);
      const alg = createRewardBackprop(context(policy, reference, reward), section);
      const log = await alg.step(1);
      const out = { log, params: paramsOf(policy), refMoved: maxDiff(paramsOf(reference), paramsOf(base)) };
      alg.dispose();
      policy.dispose();
      reference.dispose();
      assert.equal(torch.memoryStats().liveTensors, live, `${name}: an iteration leaks no tensors`);
      return out;
    };
    const a = await run();
    const b = await run();
    assert.equal(a.log.samples, 2, name);
    assert.ok(Number.isFinite(a.log.reward) && Number.isFinite(a.log.metrics['gradNorm']!), `${name}: finite reward and grad norm`);
    assert.equal(a.log.skippedUpdate, false);
    assert.ok(maxDiff(a.params, paramsOf(base)) > 0, `${name}: the policy moved`);
    assert.equal(a.refMoved, 0, `${name}: the reference did not`);
    assert.deepEqual(a.log, b.log, `${name}: same seed, same log`);
    assert.equal(maxDiff(a.params, b.params), 0, `${name}: same seed, same weights`);
  }
  assert.equal(maxDiff(rewardBefore, paramsOf(reward.net)), 0, 'the reward model is never updated');
  assert.ok(reward.net.parameters().every((p) => p.grad === null));
  await reward.close();
  base.dispose();
});

test('state-dict round trip, and errors name the reward or the config field', async () => {
  const base = tinyModel(2);
  const reward = untrainedBt(4);
  const full = { policy: cloneModel(base), reference: cloneModel(base) };
  const algFull = createRewardBackprop(context(full.policy, full.reference, reward), SECTIONS.draft);
  await algFull.step(1);
  const state = algFull.stateDict();
  const resumed = { policy: cloneModel(full.policy), reference: cloneModel(base) };
  const algResumed = createRewardBackprop(context(resumed.policy, resumed.reference, reward), SECTIONS.draft);
  algResumed.loadStateDict(state);
  torch.disposeAll(Object.values(state.tensors));
  assert.deepEqual(await algResumed.step(2), await algFull.step(2));
  assert.equal(maxDiff(paramsOf(full.policy), paramsOf(resumed.policy)), 0);

  assert.throws(
    () => new RewardBackpropAlgorithm(context(full.policy, full.reference, shapesGoldReward()), parseRewardBackpropSection({})),
    /needs a differentiable reward, got "shapes_gold" \(differentiable: false\) — use a learned reward model/,
  );
  assert.equal(DEFAULT_REWARD_BACKPROP_SECTION.draft.k, 1);
  assert.throws(() => parseRewardBackpropSection({ draft: { k: 2, lvSamples: 3 } }), /field "draft\.lvSamples" must be 1 unless draft\.k is 1/);
  assert.throws(() => parseRewardBackpropSection({ sampler: { steps: 4 }, draft: { k: 5 } }), /field "draft\.k" must be at most sampler\.steps \(4\)/);
  assert.throws(() => parseRewardBackpropSection({ refl: { stopStep: [8, 12] } }), /field "refl\.stopStep"/);
  assert.throws(() => parseRewardBackpropSection({ method: 'alignprop' }), /field "method"/);
  assert.throws(() => parseRewardBackpropSection({ lr: 0 }), /field "lr"/);
  for (const a of [algFull, algResumed]) a.dispose();
  for (const m of [full.policy, full.reference, resumed.policy, resumed.reference, base]) m.dispose();
  await reward.close();
});

test('a synthetic-pair Bradley–Terry reward trains, reports held-out accuracy, and saves and loads exactly', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-bt-'));
  try {
    const { reward, heldOutAccuracy } = await trainSyntheticPreferenceReward({ pairs: 16, heldOutPairs: 16, train: { steps: 3, batchSize: 8 }, seed: 1 });
    assert.ok(heldOutAccuracy >= 0 && heldOutAccuracy <= 1, `accuracy ${heldOutAccuracy}`);
    assert.ok(isDifferentiable(reward));
    const bt = reward as BradleyTerryRewardModel;
    saveBradleyTerry(dir, bt);
    const back = loadBradleyTerry(dir);
    torch.manualSeed(2);
    const x = torch.rand([2, 3, 32, 32]).mul(2).sub(1);
    const prompts = [{ text: 'a red circle' }, { text: 'two blue squares' }];
    const [a, b] = torch.noGrad(() => [bt.scoreDifferentiable(x, prompts), back.scoreDifferentiable(x, prompts)]);
    assertClose(b!.toArray(), a!.toArray(), 0, 0, 'loaded scores');
    assert.equal(back.offset, bt.offset);
    assert.ok(back.net.parameters().every((p) => !p.requiresGrad), 'loaded frozen');
    assert.throws(() => loadBradleyTerry(path.join(dir, 'none')), /must hold reward\.json and reward\.safetensors/);
    torch.disposeAll([x, a!, b!]);
    await bt.close();
    await back.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
