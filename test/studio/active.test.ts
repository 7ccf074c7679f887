// Active learning's pure parts against their formulas: ensemble disagreement on a pair, on a best-of-4 set, and the
// acquisition orders (top; softrank ∝ rank^−1 by the Gumbel-top-k trick).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { acquisitionPriorities, pairDisagreement, setDisagreement } from '../../src/studio/active.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

test('pair disagreement is the population std over members of σ(r_k(a) − r_k(b))', () => {
  const scores = [Float32Array.from([1, 0, 2]), Float32Array.from([0, 1, 2]), Float32Array.from([2, 0, 2])];
  const p = [sigmoid(1), sigmoid(-1), sigmoid(2)];
  const m = (p[0]! + p[1]! + p[2]!) / 3;
  const expected = Math.sqrt(p.reduce((s, x) => s + (x - m) ** 2, 0) / 3);
  assert.ok(Math.abs(pairDisagreement(scores, 0, 1) - expected) < 1e-6);
  assert.equal(pairDisagreement([Float32Array.from([3, 1]), Float32Array.from([3, 1])], 0, 1), 0, 'members that agree');
  const four = [Float32Array.from([0, 1, 2, 3]), Float32Array.from([3, 2, 1, 0])];
  let sum = 0;
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) sum += pairDisagreement(four, i, j);
  assert.ok(Math.abs(setDisagreement(four, [0, 1, 2, 3]) - sum / 6) < 1e-9);
});

test('top keeps the disagreement as priority; softrank puts rank r first with probability ∝ 1/r', () => {
  const d = new Map([[10, 0.4], [11, 0.1], [12, 0.3], [13, 0.2]]);
  assert.deepEqual([...acquisitionPriorities(d, 'top', Math.random)], [...d]);
  const rng = new Rng(1);
  const firsts = new Map<number, number>();
  const draws = 20_000;
  for (let i = 0; i < draws; i++) {
    const p = acquisitionPriorities(d, 'softrank', () => rng.uniform());
    const first = [...p.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    firsts.set(first, (firsts.get(first) ?? 0) + 1);
  }
  const h = 1 + 1 / 2 + 1 / 3 + 1 / 4;
  for (const [id, rank] of [[10, 1], [12, 2], [13, 3], [11, 4]] as const) {
    const f = (firsts.get(id) ?? 0) / draws;
    assert.ok(Math.abs(f - 1 / rank / h) < 0.015, `rank ${rank} first in ${f}, expected ${(1 / rank / h).toFixed(3)}`);
  }
});
