import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetFraction, capSpent } from '../../src/train/budget.js';

test('budgetFraction follows whichever budget binds first', () => {
  const wallCapped = { iterations: 100000, maxSeconds: 3300 };
  assert.equal(budgetFraction(wallCapped, { iterations: 120, samples: 15360, seconds: 1650 }), 0.5);
  const sampleCapped = { iterations: 1000, maxSamples: 8000, maxSeconds: 3600 };
  assert.equal(budgetFraction(sampleCapped, { iterations: 10, samples: 2000, seconds: 60 }), 0.25);
  assert.equal(budgetFraction({ iterations: 40 }, { iterations: 10, samples: 999, seconds: 1e9 }), 0.25);
});

test('budgetFraction stays in [0, 1] past a budget or before the start', () => {
  assert.equal(budgetFraction({ iterations: 10, maxSeconds: 60 }, { iterations: 3, samples: 0, seconds: 75 }), 1);
  assert.equal(budgetFraction({ iterations: 10 }, { iterations: 0, samples: 0, seconds: 0 }), 0);
});

test('capSpent: a sample or wall-time cap reached stops the run; iterations are not a cap', () => {
  assert.equal(capSpent({ iterations: 10 }, { samples: 1e9, seconds: 1e9 }), false);
  assert.equal(capSpent({ iterations: 10, maxSamples: 100 }, { samples: 99, seconds: 0 }), false);
  assert.equal(capSpent({ iterations: 10, maxSamples: 100 }, { samples: 100, seconds: 0 }), true);
  assert.equal(capSpent({ iterations: 10, maxSeconds: 60 }, { samples: 0, seconds: 60.5 }), true);
});
