import { test } from 'node:test';
import assert from 'node:assert/strict';
import { efficiencyRatio, samplesToGain } from '../../src/eval/sample-efficiency.js';

test('samplesToGain interpolates the first crossing of base + gain', () => {
  const curve = [
    { samples: 0, gold: 0.5 },
    { samples: 1000, gold: 0.55 },
    { samples: 2000, gold: 0.65 },
    { samples: 3000, gold: 0.58 },
  ];
  assert.ok(Math.abs(samplesToGain(curve, 0.1)! - 1500) < 1e-9); // 0.55 → 0.65 crosses 0.60 half-way
  assert.equal(samplesToGain(curve, 0.05), 1000);
  assert.equal(samplesToGain(curve, 0.2), null);
  assert.equal(samplesToGain([], 0.1), null);
  assert.equal(samplesToGain([{ samples: 0, gold: 0.5 }, { samples: 10, gold: 0.5 }], 0), 10);
});

test('efficiencyRatio: reference/arm, a lower bound when the reference never got there', () => {
  assert.deepEqual(efficiencyRatio(500, 2000, 8000), { ratio: 4, atLeast: false });
  assert.deepEqual(efficiencyRatio(500, null, 8000), { ratio: 16, atLeast: true });
  assert.equal(efficiencyRatio(null, 2000, 8000), null);
});
