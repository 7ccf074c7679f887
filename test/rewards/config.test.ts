import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReward, CompositeReward, parseRewardSpecs, ShapesGoldReward } from '../../src/rewards/index.js';
import { rewardPrompt, shapesSamples } from './helpers.js';

test('reward specs validate into typed specs and build a weighted composite; bad input names the field', async () => {
  const specs = parseRewardSpecs([
    { kind: 'shapes_gold', weight: 2, options: { total: 'partial' } },
    { kind: 'quality', weight: 0.5, options: { weights: { sharpness: 1 } } },
    { kind: 'constraint', options: { forbiddenColors: ['red', [0, 0, 1]], forbiddenRegions: [[0, 0, 4, 4]] } },
  ]);
  assert.equal(specs[2]!.weight, 1, 'weight defaults to 1');
  const rm = await buildReward(specs);
  assert.ok(rm instanceof CompositeReward);
  assert.deepEqual(rm.weights, { shapes_gold: 2, quality: 0.5, constraint: 1 });
  const [s] = shapesSamples(1, 4);
  const r = await rm.score({ rgb: [s!.image], prompts: [rewardPrompt(s!.prompt)] });
  assert.equal(r.components.shapes_gold![0], 1);
  const single = await buildReward(parseRewardSpecs([{ kind: 'shapes_gold' }]));
  assert.ok(single instanceof ShapesGoldReward);

  assert.throws(() => parseRewardSpecs([{ kind: 'aesthetic' }]), /rewards/);
  assert.throws(() => parseRewardSpecs([{ kind: 'shapes_gold', options: { moed: 'strict' } }]), /0\.options/);
  assert.throws(() => parseRewardSpecs([]), /rewards/);
});

test('one kind twice: a named member composes with the unnamed one, and duplicate names are refused', async () => {
  const rm = await buildReward(
    parseRewardSpecs([
      { kind: 'shapes_gold', weight: 0.5, options: { total: 'partial' } },
      { kind: 'shapes_gold', name: 'pass', weight: 0.5, options: { total: 'gold' } },
    ]),
  );
  assert.ok(rm instanceof CompositeReward);
  assert.deepEqual(rm.weights, { shapes_gold: 0.5, pass: 0.5 });
  const samples = shapesSamples(4, 11);
  // images paired with the next sample's prompt: mostly failures, some with partial credit
  const batch = {
    rgb: samples.map((s) => s.image),
    prompts: samples.map((_, i) => rewardPrompt(samples[(i + 1) % samples.length]!.prompt)),
  };
  const direct = await new ShapesGoldReward({ total: 'partial' }).score(batch);
  const r = await rm.score(batch);
  for (let i = 0; i < samples.length; i++) {
    const want = 0.5 * direct.components.partial![i]! + 0.5 * direct.components.gold![i]!;
    assert.ok(Math.abs(r.total[i]! - want) < 1e-6, `sample ${i}: ${r.total[i]} vs ${want}`);
    assert.equal(r.components['pass.gold']![i], direct.components.gold![i]);
  }
  assert.ok(
    [...direct.components.partial!].some((p, i) => p !== direct.components.gold![i]),
    'the batch tells partial from gold apart',
  );
  await assert.rejects(
    buildReward(parseRewardSpecs([{ kind: 'shapes_gold' }, { kind: 'shapes_gold', options: { total: 'partial' } }])),
    /member names must be unique, got 'shapes_gold' twice — give one spec a name/,
  );
  assert.throws(() => parseRewardSpecs([{ kind: 'shapes_gold', name: 'Pass Rate' }]), /0\.name/);
});
