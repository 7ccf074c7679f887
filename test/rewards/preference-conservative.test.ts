// The conservative ensemble reward mean − λ·std (preference/conservative.ts): the pure function against the formula,
// the ensemble's total and differentiable score against its members' own scores, and the option's validation in the
// `preference` reward kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { imagesToTensor } from '../../src/data/image-tensor.js';
import { parseRewardSpecs, RewardEnsemble } from '../../src/rewards/index.js';
import { buildPreferenceReward } from '../../src/rewards/preference/preference-reward.js';
import { checkPessimism, conservativeReward } from '../../src/rewards/preference/conservative.js';
import { assertClose } from '../helpers.js';
import { preferenceOptionsError, rewardPrompt, shapesSamples, untrainedBt } from './helpers.js';

torch.setNumThreads(1);

const samples = shapesSamples(5, 3);
const batch = { rgb: samples.map((s) => s.image), prompts: samples.map((s) => rewardPrompt(s.prompt)) };


test('conservativeReward is mean − λ·std per sample; λ = 0 is the mean; bad λ or lengths are refused', () => {
  assertClose(conservativeReward([1, -2, 0.5], [0.5, 2, 0], 1), [0.5, -4, 0.5], 1e-7, 0, 'λ = 1');
  assertClose(conservativeReward([1, -2, 0.5], [0.5, 2, 0], 0.25), [0.875, -2.5, 0.5], 1e-7, 0, 'λ = 0.25');
  assertClose(conservativeReward([1, -2], [3, 4], 0), [1, -2], 0, 0, 'λ = 0');
  assert.throws(() => conservativeReward([1], [1, 2], 1), /mean and std must have the same length, got 1 and 2/);
  assert.throws(() => checkPessimism(-0.5, 'x'), /^Error: x: pessimism must be a finite number ≥ 0, got -0.5/);
  assert.throws(() => checkPessimism(Number.NaN, 'x'), /got NaN/);
  assert.equal(checkPessimism(2, 'x'), 2);
});

test('a pessimistic ensemble scores mean − λ·std of its members, in score() and scoreDifferentiable() alike', async () => {
  const live = torch.memoryStats().liveTensors;
  const members = [untrainedBt(1), untrainedBt(2), untrainedBt(3)];
  const plain = new RewardEnsemble(members);
  const cautious = new RewardEnsemble(members, { pessimism: 0.5 });
  const each = await Promise.all(members.map((m) => m.score(batch)));
  const mean = batch.rgb.map((_, i) => each.reduce((a, e) => a + e.total[i]!, 0) / members.length);
  const std = batch.rgb.map((_, i) => Math.sqrt(each.reduce((a, e) => a + (e.total[i]! - mean[i]!) ** 2, 0) / members.length));
  assert.ok(std.every((s) => s > 0), 'untrained members from different seeds disagree');
  const [p, c] = [await plain.score(batch), await cautious.score(batch)];
  assertClose(p.total, mean, 1e-5, 1e-5, 'λ = 0: the members\' mean');
  assertClose(c.total, mean.map((m, i) => m - 0.5 * std[i]!), 1e-5, 1e-5, 'λ = 0.5: mean − 0.5·std');
  assertClose(c.components['mean']!, p.components['mean']!, 0, 0, 'the mean component is unchanged');
  assertClose(c.uncertainty!, std, 1e-5, 1e-5, 'uncertainty is the members\' std');
  assert.notEqual(cautious.version, plain.version, 'a reward cache never mixes the two totals');
  assert.match(c.meta.model ?? '', /mean − 0.5·std/);

  // The differentiable score is the reported one and carries a gradient to the images.
  const x = torch.scope(() => imagesToTensor(batch.rgb)).requiresGrad_();
  const s = cautious.scoreDifferentiable(x, batch.prompts);
  assertClose(s.toArray(), c.total, 1e-5, 1e-5, 'scoreDifferentiable = score');
  const gradNorm = torch.scope(() => {
    s.sum().backward();
    return x.grad?.abs().sum().item() ?? 0;
  });
  assert.ok(Number.isFinite(gradNorm) && gradNorm > 0, `d score / d image is finite and non-zero (${gradNorm})`);
  torch.disposeAll([x, s]);
  assert.throws(() => new RewardEnsemble(members, { pessimism: -1 }), /pessimism must be a finite number ≥ 0, got -1/);
  await plain.close();
  assert.equal(torch.memoryStats().liveTensors, live, 'scoring leaks no tensors');
});

test('the preference kind takes pessimism only with an ensemble', async () => {
  const bad = preferenceOptionsError;
  assert.match(bad({ pessimism: 1 }), /field "0\.options\.pessimism".*members ≥ 2/);
  assert.match(bad({ members: 3, pessimism: -1 }), /field "0\.options\.pessimism"/);
  const [spec] = parseRewardSpecs([{ kind: 'preference', options: { members: 2, pessimism: 1 } }]);
  assert.deepEqual(spec!.options, { members: 2, pessimism: 1 });
  await assert.rejects(buildPreferenceReward({ members: 1, pessimism: 1 }, () => {}), /members must be ≥ 2 when pessimism is set, got 1/);
  const tiny = { pairs: 24, labelNoise: 0, steps: 4, seed: 2, heldOutPairs: 16, members: 2 };
  const [plain, cautious] = [await buildPreferenceReward(tiny, () => {}), await buildPreferenceReward({ ...tiny, pessimism: 1 }, () => {})];
  assert.ok(cautious.model instanceof RewardEnsemble && cautious.model.pessimism === 1);
  assert.equal(cautious.version, `${plain.version};pessimism=1`);
  const [a, b] = [await plain.score(batch), await cautious.score(batch)];
  assertClose(b.total, conservativeReward(a.components['mean']!, a.components['std']!, 1), 1e-5, 1e-5, 'the built reward is mean − std');
  await plain.close();
  await cautious.close();
});
