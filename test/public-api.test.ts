// The public entry point exposes the step functions the issues name, and the torch namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as refract from '../src/index.js';

test("'refract' exports the samplers' pure steps, the torch namespace and the trainers", () => {
  for (const name of ['sdeStepWithLogProb', 'ddimStepWithLogProb', 'cpsStepWithLogProb', 'odeEulerStep', 'replayLogProbs', 'sampleFlow', 'sampleDdim', 'flowMatchingLoss', 'clippedPolicyLoss', 'runTraining', 'createGrpo'] as const) {
    assert.equal(typeof refract[name], 'function', name);
  }
  assert.equal(typeof refract.torch.randn, 'function');
  assert.equal(typeof refract.credit.groupRelativeAdvantages, 'function');
  assert.equal(typeof refract.rewards.shapesGoldReward, 'function');
});
