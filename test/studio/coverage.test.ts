// bald-stratified's pure parts against their definitions (src/studio/coverage.ts): the D²-proportional draw, k-means++
// seeding, Lloyd's fixed point, and the proportional-allocation serving order over clusters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { acquisitionPriorities } from '../../src/studio/active.js';
import { drawProportional, kmeans, kmeansPlusPlusSeeds, nearestCentre, squaredDistance, stratifiedOrder, stratifiedPriorities } from '../../src/studio/coverage.js';

const pts = (...xs: number[][]): Float32Array[] => xs.map((x) => Float32Array.from(x));

test('drawProportional returns the first index whose cumulative weight exceeds u·Σ; zero weights never; Σ = 0 gives null', () => {
  const w = [0, 1, 4, 9]; // Σ = 14
  assert.equal(drawProportional(w, 0), 1);
  assert.equal(drawProportional(w, 0.999 / 14), 1);
  assert.equal(drawProportional(w, 1.001 / 14), 2);
  assert.equal(drawProportional(w, 4.999 / 14), 2);
  assert.equal(drawProportional(w, 5.001 / 14), 3);
  assert.equal(drawProportional(w, 0.999999), 3);
  assert.equal(drawProportional([0, 0], 0.5), null);
});

test('k-means++ seeding: the first seed uniform, the next w.p. D²/ΣD² (the farthest point most often), distinct, seeded', () => {
  const line = pts([0], [1], [2], [3]);
  // a stream whose first draw picks point 0; D² to it is 0, 1, 4, 9
  const counts = [0, 0, 0, 0];
  const rng = new Rng(5);
  const draws = 20_000;
  for (let i = 0; i < draws; i++) {
    let first = true;
    const seeds = kmeansPlusPlusSeeds(line, 2, () => (first ? ((first = false), 0) : rng.uniform()));
    assert.equal(seeds[0], 0);
    counts[seeds[1]!]!++;
  }
  [0, 1, 4, 9].forEach((d2, i) => assert.ok(Math.abs(counts[i]! / draws - d2 / 14) < 0.01, `point ${i}: ${counts[i]! / draws} vs ${d2 / 14}`));
  const many = pts(...Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]));
  const a = kmeansPlusPlusSeeds(many, 6, ((r) => () => r.uniform())(new Rng(9)));
  assert.equal(new Set(a).size, 6, 'distinct seeds');
  assert.deepEqual(kmeansPlusPlusSeeds(many, 6, ((r) => () => r.uniform())(new Rng(9))), a, 'same seed, same seeds');
  assert.deepEqual(kmeansPlusPlusSeeds(pts([1], [1], [2]), 3, () => 0), [0, 2], 'coinciding points: no second seed among them');
});

test('k-means ends at a Lloyd fixed point: each point at its nearest centre, each centre its points’ mean; blobs recovered', () => {
  const rng = new Rng(2);
  const blobs = [[0, 0], [10, 0], [0, 10]];
  const points = pts(...Array.from({ length: 60 }, (_, i) => blobs[i % 3]!.map((c) => c + rng.normal() * 0.5)));
  const { assignment, centres } = kmeans(points, 3, () => rng.uniform());
  for (let b = 0; b < 3; b++) {
    const labels = new Set(points.map((_, i) => i).filter((i) => i % 3 === b).map((i) => assignment[i]));
    assert.equal(labels.size, 1, `blob ${b} in one cluster`);
  }
  assert.equal(new Set(assignment).size, 3);
  points.forEach((x, i) => assert.equal(assignment[i], nearestCentre(x, centres).index, `point ${i} at its nearest centre`));
  centres.forEach((c, j) => {
    const mine = points.filter((_, i) => assignment[i] === j);
    const m = [0, 1].map((d) => mine.reduce((s, x) => s + x[d]!, 0) / mine.length);
    assert.ok(squaredDistance(c, Float32Array.from(m)) < 1e-8, `centre ${j} is its points' mean`);
  });
});

test('stratified order: equal clusters are visited each once before any twice; best score first within a cluster', () => {
  const cluster = [0, 1, 2, 0, 1, 2, 0, 1, 2];
  const score = [0.1, 0.5, 0.9, 0.8, 0.2, 0.3, 0.4, 0.6, 0.7];
  const order = stratifiedOrder(cluster, cluster.map(() => false), score);
  assert.deepEqual([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'a permutation');
  for (let r = 0; r < 3; r++) assert.deepEqual(new Set(order.slice(3 * r, 3 * r + 3).map((i) => cluster[i])), new Set([0, 1, 2]), `round ${r}`);
  for (let c = 0; c < 3; c++) {
    const within = order.filter((i) => cluster[i] === c).map((i) => score[i]!);
    assert.deepEqual(within, [...within].sort((a, b) => b - a), `cluster ${c} by decreasing score`);
  }
});

test('stratified order: every prefix keeps each cluster within one of its proportional share m·n_c/N', () => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 300; trial++) {
    const k = 1 + Math.floor(rng.uniform() * 8);
    const N = k + Math.floor(rng.uniform() * 80);
    const cluster = Array.from({ length: N }, (_, i) => (i < k ? i : Math.floor(rng.uniform() ** 2 * k)));
    const order = stratifiedOrder(cluster, cluster.map(() => false), cluster.map(() => rng.uniform()));
    const size = Array.from({ length: k }, (_, c) => cluster.filter((x) => x === c).length);
    const served = new Array<number>(k).fill(0);
    order.forEach((i, m) => {
      served[cluster[i]!]!++;
      for (let c = 0; c < k; c++) assert.ok(Math.abs(served[c]! - ((m + 1) * size[c]!) / N) < 1, `trial ${trial}, prefix ${m + 1}, cluster ${c}`);
    });
  }
});

test('stratified order counts served points: a cluster already over its share waits; served points are not placed', () => {
  // clusters 0 and 1 of 4 points each; 3 of cluster 0 already labelled → cluster 1 is served until it catches up
  const cluster = [0, 0, 0, 0, 1, 1, 1, 1];
  const served = [true, true, true, false, false, false, false, false];
  const order = stratifiedOrder(cluster, served, [0, 0, 0, 1, 0.4, 0.3, 0.2, 0.1]);
  assert.deepEqual(order, [4, 5, 6, 3, 7]);
});

test('stratifiedPriorities: open comparisons get openCount … 1 in the stratified order, served ones 0; seeded', () => {
  // cluster A = ids 11 (served), 12, 15, 16; cluster B = ids 13, 14. Deficits (m + 1)·n_c/N − s_c from m = 1:
  // B 0.67 > A 0.33; A 1 > B 0; A 0.67 > B 0.33; B 0.67 > A 0.33; then A alone → B, A, A, B, A, by BALD in each
  const features = pts([0, 0], [0.1, 0], [10, 10], [10.1, 10], [0, 0.1], [0.1, 0.1]);
  const ids = [11, 12, 13, 14, 15, 16];
  const served = [true, false, false, false, false, false];
  const bald = [0.9, 0.2, 0.1, 0.5, 0.3, 0.4];
  const run = (): ReturnType<typeof stratifiedPriorities> => stratifiedPriorities(ids, features, served, bald, ((r) => () => r.uniform())(new Rng(1)), { clusters: 2, iterations: 10 });
  const { priorities, cluster } = run();
  assert.deepEqual([0, 1, 4, 5].map((i) => cluster[i] === cluster[0]), [true, true, true, true]);
  assert.deepEqual([2, 3].map((i) => cluster[i] === cluster[0]), [false, false]);
  assert.deepEqual([...priorities], [[11, 0], [12, 1], [13, 2], [14, 5], [15, 3], [16, 4]]);
  assert.deepEqual([...run().priorities], [...priorities], 'same seed, same order');
  assert.throws(() => acquisitionPriorities(new Map([[1, 0.5]]), 'bald-stratified', Math.random), /bald-stratified must be ordered from the pool's features/);
});
