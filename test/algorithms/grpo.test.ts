// GRPO as an Algorithm on a tiny randomised model: steps run with the first-epoch importance ratio at 1 within 1e-5,
// a NaN reward skips the update without touching the weights, the KL coefficient scales and survives a state
// round trip. (Whether GRPO *improves* the base is measured by configs/grpo-shapes.yaml, not here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as torch from '../../src/torch/index.js';
import { createGrpo, parseGrpoSection, type GrpoAlgorithm } from '../../src/algorithms/grpo/index.js';
import { informativeSamples } from '../../src/credit/group-relative.js';
import type { AlgorithmContext } from '../../src/algorithms/algorithm.js';
import { loadTextToImageCheckpoint } from '../../src/models/checkpoint.js';
import { shapesGoldReward } from '../../src/rewards/shapes-gold.js';
import type { RewardModel } from '../../src/rewards/types.js';
import { shapesPromptSource } from '../../src/train/prompt-sources.js';
import { tinyBase } from '../train/fixtures.js';

function context(base: string, reward: RewardModel): AlgorithmContext {
  const policy = loadTextToImageCheckpoint(base);
  const reference = loadTextToImageCheckpoint(base);
  reference.requiresGrad_(false);
  reference.eval();
  return { policy, reference, reward, prompts: shapesPromptSource(), seed: 5 };
}

const SECTION = { promptsPerIteration: 2, groupSize: 3, minibatchSize: 4, innerEpochs: 2, sampler: { steps: 4 }, lr: 1e-3 };

function flatWeights(ctx: AlgorithmContext): number[] {
  return ctx.policy.parameters().flatMap((p) => p.toArray());
}

test('GRPO: two steps run, ratios start at 1, samples are counted, KL is reported', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-grpo-');
  const ctx = context(base, shapesGoldReward({ total: 'partial', dense: false }));
  const algo = createGrpo(ctx, parseGrpoSection(SECTION));
  try {
    for (const it of [1, 2]) {
      const log = await algo.step(it);
      assert.equal(log.samples, 6);
      assert.equal(log.skippedUpdate, false);
      const dev = log.diagnostics['ratio_max_dev_first_epoch']!;
      assert.ok(dev < 1e-5, `iteration ${it}: max |ratio − 1| = ${dev}`);
      assert.equal(Object.keys(log.diagnostics).filter((k) => k.startsWith('ratio_mean_step_')).length, 3); // steps 0..2 stochastic
      assert.ok(log.reward >= 0 && log.reward <= 1);
      assert.ok(Number.isFinite(log.klToReference) && log.klToReference >= 0);
      assert.ok(Number.isFinite(log.metrics['loss']!) && Number.isFinite(log.metrics['gradNorm']!));
    }
  } finally {
    algo.dispose();
    ctx.policy.dispose();
    ctx.reference.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GRPO: a NaN reward skips the update and leaves the weights as they were', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-grpo-nan-');
  const gold = shapesGoldReward({ dense: false });
  const nanReward: RewardModel = { ...gold, name: 'nan', score: async (b) => ({ ...(await gold.score(b)), total: new Float32Array(b.prompts.length).fill(NaN) }) };
  const ctx = context(base, nanReward);
  const algo = createGrpo(ctx, parseGrpoSection(SECTION));
  try {
    const before = flatWeights(ctx);
    const log = await algo.step(1);
    assert.equal(log.skippedUpdate, true);
    assert.equal(log.diagnostics['nonfinite_rewards'], 6);
    assert.deepEqual(flatWeights(ctx), before);
  } finally {
    algo.dispose();
    ctx.policy.dispose();
    ctx.reference.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GRPO: scaleKlCoefficient multiplies β, and the state dict carries β and the optimizer moments', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-grpo-kl-');
  const ctx = context(base, shapesGoldReward({ total: 'partial', dense: false }));
  const algo = createGrpo(ctx, parseGrpoSection({ ...SECTION, innerEpochs: 1, klCoefficient: 0.02 })) as GrpoAlgorithm;
  const other = createGrpo(ctx, parseGrpoSection({ ...SECTION, innerEpochs: 1, klCoefficient: 0.02 })) as GrpoAlgorithm;
  try {
    await algo.step(1);
    algo.scaleKlCoefficient(2.5);
    assert.equal(algo.klCoefficient, 0.05);
    assert.throws(() => algo.scaleKlCoefficient(0), /factor must be a finite number > 0, got 0/);
    torch.scope(() => {
      const sd = algo.stateDict();
      assert.ok(Object.keys(sd.tensors).length > 0, 'AdamW moments are saved');
      other.loadStateDict(sd);
    });
    assert.equal(other.klCoefficient, 0.05);
    assert.throws(() => other.loadStateDict({ tensors: {}, json: {} }), /state must hold json\.klCoefficient/);
    assert.throws(() => other.loadStateDict({ tensors: {}, json: { klCoefficient: 0.01 } }), /state\.json\.optimizer must hold the optimizer's scalars/);
  } finally {
    algo.dispose();
    other.dispose();
    ctx.policy.dispose();
    ctx.reference.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('informativeSamples keeps only the groups whose rewards differ', () => {
  const r = Float32Array.from([1, 1, 0, 1, 0.5, 0.5]);
  assert.deepEqual(informativeSamples(r, [0, 0, 1, 1, 2, 2]), [2, 3]);
  assert.deepEqual(informativeSamples(Float32Array.from([1, 1]), [0, 0]), []);
});
