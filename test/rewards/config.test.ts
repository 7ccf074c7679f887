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
