// The `preference` reward kind: specs build a differentiable learned reward whose held-out accuracy beats chance
// and shows in its results' metadata; the cache (rm-cache.ts) round-trips — the second build loads the model
// instead of training it and scores exactly as the trained one did; bad options fail naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import {
  buildPreferenceReward,
  buildReward,
  isDifferentiable,
  parseRewardSpecs,
  PreferenceReward,
  RewardEnsemble,
  type RewardPrompt,
} from '../../src/rewards/index.js';
import { assertClose } from '../helpers.js';
import { preferenceOptionsError, rewardPrompt, shapesSamples } from './helpers.js';

torch.setNumThreads(1);

// Tiny on purpose (a few seconds of training on one thread); the compare config uses 1500 pairs × 800 steps.
const TINY = { pairs: 128, labelNoise: 0.1, steps: 100, seed: 0, heldOutPairs: 128 };

const samples = shapesSamples(6, 11);
const batch = { rgb: samples.map((s) => s.image), prompts: samples.map((s) => rewardPrompt(s.prompt)) };

function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-preference-kind-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('preference specs build a differentiable learned reward that beats chance on held-out pairs', async () => {
  const rm = await buildReward(parseRewardSpecs([{ kind: 'preference', options: TINY }]));
  assert.ok(rm instanceof PreferenceReward);
  assert.ok(isDifferentiable(rm), 'reward_backprop accepts it');
  assert.equal(rm.heldOutPairs, 128);
  assert.ok(rm.heldOutAccuracy > 0.6, `held-out pairwise accuracy ${rm.heldOutAccuracy} beats chance (0.5)`);

  const r = await rm.score(batch);
  assert.equal(r.total.length, samples.length);
  assert.match(r.meta.model ?? '', new RegExp(`held-out pairwise accuracy ${rm.heldOutAccuracy.toFixed(3)}`));
  assert.equal(r.meta.name, 'preference');

  // The gradient reaches the images, and the differentiable scores are the reported ones.
  const before = torch.memoryStats().liveTensors;
  torch.manualSeed(4);
  const x = torch.scope(() => torch.rand([2, 3, 32, 32]).mul(2).sub(1)).requiresGrad_();
  const prompts: RewardPrompt[] = batch.prompts.slice(0, 2);
  const s = rm.scoreDifferentiable(x, prompts);
  const gradNorm = torch.scope(() => {
    s.sum().backward();
    return x.grad?.abs().sum().item() ?? 0;
  });
  assert.ok(gradNorm > 0, 'd score / d image is non-zero');
  const [xd, sd] = [x.detach(), s.detach()];
  const reported = await rm.score({ images: xd, prompts });
  assertClose(reported.total, sd.toArray(), 1e-5, 1e-5, 'score() and scoreDifferentiable() agree');
  torch.disposeAll([x, s, xd, sd]);
  assert.equal(torch.memoryStats().liveTensors, before, 'scoring leaks no tensors');
  await rm.close();
});

test('the cache round-trips: the second build loads the same model (single and ensemble) and scores the same', async () => {
  await withTempDir(async (cache) => {
    const log: string[] = [];
    const first = await buildPreferenceReward({ ...TINY, cache }, (m) => log.push(m));
    assert.match(log[0]!, /^trained a Bradley–Terry model .*cached in .*held-out pairwise accuracy/);
    const second = await buildPreferenceReward({ ...TINY, cache }, (m) => log.push(m));
    assert.match(log[1]!, /^loaded a Bradley–Terry model .* from /);
    assert.deepEqual(readdirSync(cache), [first.version], 'one folder, named by the options key');
    assert.equal(second.version, first.version);
    assert.equal(second.heldOutAccuracy, first.heldOutAccuracy);
    const [a, b] = [await first.score(batch), await second.score(batch)];
    assertClose(b.total, a.total, 0, 0, 'loaded scores');

    // Other options: another key, so another model is trained, not the cached one reused.
    const other = await buildPreferenceReward({ ...TINY, seed: 1, cache }, (m) => log.push(m));
    assert.match(log[2]!, /^trained /);
    assert.notEqual(other.version, first.version);
    assert.equal(readdirSync(cache).length, 2);

    const ens = { pairs: 24, labelNoise: 0, steps: 4, seed: 2, heldOutPairs: 16, members: 2, cache };
    const e1 = await buildPreferenceReward(ens, (m) => log.push(m));
    const e2 = await buildPreferenceReward(ens, (m) => log.push(m));
    assert.match(log[4]!, /^loaded a Bradley–Terry ensemble of 2 /);
    assert.ok(e2.model instanceof RewardEnsemble && e2.model.members.length === 2);
    assertClose((await e2.score(batch)).total, (await e1.score(batch)).total, 0, 0, 'loaded ensemble scores');
    for (const rm of [first, second, other, e1, e2]) await rm.close();
  });
});

test('bad preference options fail naming the field', () => {
  const bad = preferenceOptionsError;
  assert.match(bad({ pairs: 1 }), /field "0\.options\.pairs"/);
  assert.match(bad({ labelNoise: 0.5 }), /field "0\.options\.labelNoise"/);
  assert.match(bad({ members: 0 }), /field "0\.options\.members"/);
  assert.match(bad({ steps: 2.5 }), /field "0\.options\.steps"/);
  assert.match(bad({ heldOutPairs: 0 }), /field "0\.options\.heldOutPairs"/);
  assert.match(bad({ cache: '' }), /field "0\.options\.cache"/);
  assert.match(bad({ pair: 10 }), /0\.options: unknown field\(s\) "pair"/);
});
