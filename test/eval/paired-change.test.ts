import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedShapesChange, formatPairedDelta } from '../../src/eval/shapes/paired-change.js';

test('pairedShapesChange: overall and per category paired deltas over the prompts', () => {
  const cats = ['position', 'position', 'position', 'colors', 'colors', 'colors'] as const;
  const r = pairedShapesChange([0, 0, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0], cats);
  assert.equal(r.overall.delta, 1 / 6); // gained 2, lost 1
  assert.equal(r.position!.delta, 2 / 3);
  assert.equal(r.colors!.delta, -1 / 3);
  assert.equal(r.counting, undefined);
  // SE = √((g + l)/n − Δ²)/√n
  assert.ok(Math.abs(r.overall.standardError - Math.sqrt(3 / 6 - 1 / 36) / Math.sqrt(6)) < 1e-12);
  assert.equal(formatPairedDelta(r.colors!), `−33.3% ± ${((Math.sqrt(1 / 3 - 1 / 9) / Math.sqrt(3)) * 100).toFixed(1)}%`);
  assert.throws(() => pairedShapesChange([0], [1], []), /one category per prompt/);
});
