import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedBinaryDelta } from '../../src/eval/paired.js';

test('pairedBinaryDelta: hand-computed gained, lost, Δ and paired SE', () => {
  // d = [0, +1, +1, −1, 0]: gained 2, lost 1, n 5 → Δ = 1/5 = 0.2;
  // Var d = (2 + 1)/5 − 0.2² = 0.6 − 0.04 = 0.56; SE = √(0.56 / 5) = √0.112 ≈ 0.334664
  const r = pairedBinaryDelta([1, 0, 0, 1, 1], [1, 1, 1, 0, 1]);
  assert.equal(r.n, 5);
  assert.equal(r.gained, 2);
  assert.equal(r.lost, 1);
  assert.ok(Math.abs(r.delta - 0.2) < 1e-12, `delta ${r.delta}`);
  assert.ok(Math.abs(r.standardError - Math.sqrt(0.112)) < 1e-12, `SE ${r.standardError}`);
});

test('pairedBinaryDelta: identical outcomes give no change and zero standard error', () => {
  const xs = [1, 0, 1, 1, 0, 0];
  assert.deepEqual(pairedBinaryDelta(xs, xs), { n: 6, gained: 0, lost: 0, delta: 0, standardError: 0 });
});

test('pairedBinaryDelta: all flipped one way is Δ = 1 with zero spread', () => {
  assert.deepEqual(pairedBinaryDelta([0, 0, 0], [1, 1, 1]), { n: 3, gained: 3, lost: 0, delta: 1, standardError: 0 });
});

test('pairedBinaryDelta: mismatched lengths and non-binary values are rejected', () => {
  assert.throws(() => pairedBinaryDelta([1, 0], [1]), /same non-zero length, got 2 and 1/);
  assert.throws(() => pairedBinaryDelta([], []), /same non-zero length, got 0 and 0/);
  assert.throws(() => pairedBinaryDelta([1, 0.5], [1, 1]), /before\[1\] must be 0 or 1, got 0\.5/);
});
