// Active learning's pure parts against their formulas: ensemble disagreement on a pair, on a best-of-4 set, and the
// acquisition orders (top; softrank ∝ rank^−1 by the Gumbel-top-k trick).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { acquisitionPriorities, binaryEntropy, epsilonMix, pairDisagreement, pairMutualInformation, setDisagreement } from '../../src/studio/active.js';

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

test('BALD is H[mean p_k] − mean H[p_k]: zero when members agree (even on a coin flip), largest when they disagree confidently', () => {
  const H = (p: number): number => -p * Math.log(p) - (1 - p) * Math.log(1 - p);
  assert.ok(Math.abs(binaryEntropy(0.5) - Math.log(2)) < 1e-12);
  assert.equal(binaryEntropy(0), 0);
  assert.equal(binaryEntropy(1), 0);
  const scores = [Float32Array.from([1, 0, 0.3]), Float32Array.from([0, 1, 0]), Float32Array.from([2, 0, -4])];
  const p = [sigmoid(1), sigmoid(-1), sigmoid(2)];
  const m = (p[0]! + p[1]! + p[2]!) / 3;
  const expected = H(m) - (H(p[0]!) + H(p[1]!) + H(p[2]!)) / 3;
  assert.ok(Math.abs(pairMutualInformation(scores, 0, 1) - expected) < 1e-6);
  const coinFlip = [Float32Array.from([0, 0]), Float32Array.from([0, 0])];
  assert.ok(pairMutualInformation(coinFlip, 0, 1) < 1e-12, 'agreed-on coin flip: aleatoric, no information');
  const split = [Float32Array.from([8, -8]), Float32Array.from([-8, 8])];
  assert.ok(Math.abs(pairMutualInformation(split, 0, 1) - Math.log(2)) < 1e-5, 'confident opposite members: log 2 nats');
  const four = [Float32Array.from([0, 1, 2, 3]), Float32Array.from([3, 2, 1, 0])];
  let sum = 0;
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) sum += pairMutualInformation(four, i, j);
  assert.ok(Math.abs(setDisagreement(four, [0, 1, 2, 3], 'bald') - sum / 6) < 1e-9);
});

test('bald-mix places each id once, about ε of the first places from the random permutation; random ignores the scores', () => {
  const order = Array.from({ length: 200 }, (_, i) => i);
  const rng = new Rng(3);
  const mix = epsilonMix(order, 0.5, () => rng.uniform());
  assert.deepEqual([...mix].sort((a, b) => a - b), order, 'a permutation');
  // ≈ 20 of the first 40 places are greedy (the best not yet placed, all among the best 40) and ≈ 20 random, of which
  // ≈ 20·40/200 = 4 fall among the best 40: ≈ 24 (± 4) — top-k would give 40, random ≈ 8.
  const top = mix.slice(0, 40).filter((id) => id < 40).length;
  assert.ok(top >= 15 && top <= 33, `${top} of the first 40 from the best 40, expected ≈ 24`);
  assert.deepEqual(epsilonMix(order, 0, () => rng.uniform()), order, 'ε = 0 is top-k');
  const scores = new Map(order.map((id) => [id, id]));
  const pri = acquisitionPriorities(scores, 'bald-mix', () => rng.uniform());
  const byPriority = [...pri.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  assert.equal(new Set(byPriority).size, 200);
  const rnd = acquisitionPriorities(scores, 'random', () => rng.uniform());
  const firsts = [...rnd.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([id]) => id);
  assert.ok(firsts.filter((id) => id >= 160).length < 20, 'random order is not the score order');
});
