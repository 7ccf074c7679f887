import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { enumeratePrompts } from '../../src/data/shapes/grammar.js';
import { CATEGORIES } from '../../src/data/shapes/types.js';
import { measureGoldAccuracy } from '../../src/eval/shapes/measure.js';
import { contradictPrompt } from '../../src/eval/shapes/negatives.js';

test('gold accuracy on clean renders is at least 99.5% (n = 1200, all categories)', () => {
  const m = measureGoldAccuracy({ n: 1200, noiseStd: 0, seed: 101 });
  assert.ok(m.accuracy >= 0.995, `accuracy ${m.accuracy}: ${JSON.stringify(m.failures.slice(0, 3))}`);
  for (const c of CATEGORIES) assert.equal(m.categories[c].n, 200);
});

test('gold rejects images drawn for contradicting prompts (true-negative rate ≥ 95%)', () => {
  const m = measureGoldAccuracy({ n: 600, noiseStd: 0, seed: 102 });
  assert.ok(m.trueNegativeRate >= 0.95, `true-negative rate ${m.trueNegativeRate}`);
  for (const c of CATEGORIES) assert.ok(m.categories[c].trueNegativeRate >= 0.9, c);
});

test('accuracy degrades gracefully and monotonically-ish with pixel noise', () => {
  const acc = [0.05, 0.2, 0.4].map((noiseStd) => measureGoldAccuracy({ n: 360, noiseStd, seed: 103 }).accuracy);
  assert.ok(acc[0] >= 0.99, `std 0.05: ${acc[0]}`);
  assert.ok(acc[1] >= 0.95, `std 0.2: ${acc[1]}`);
  assert.ok(acc[0] + 0.01 >= acc[1] && acc[1] + 0.01 >= acc[2], `not monotone: ${acc}`);
});

test('contradicting prompts differ from the original and stay in the category', () => {
  const rng = new Rng(7);
  for (const c of CATEGORIES) {
    for (const p of enumeratePrompts(c).slice(0, 20)) {
      const q = contradictPrompt(p, rng);
      assert.equal(q.category, c);
      assert.notEqual(q.text, p.text);
    }
  }
});
