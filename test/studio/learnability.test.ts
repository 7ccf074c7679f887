// The learnability estimate of bald-learnable against its formulas (src/studio/learnability.ts): bootstrap membership,
// out-of-bag votes, the symmetric pair feature, nearest neighbours, the shrunken local accuracy, the floor, and their
// combination over a pool of pairwise and best-of-4 comparisons (src/studio/learnable-bald.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { pairMutualInformation } from '../../src/studio/active.js';
import { learnableBald } from '../../src/studio/learnable-bald.js';
import {
  DEFAULT_LEARNABILITY,
  globalAccuracy,
  inBagCounts,
  learnableInformation,
  localLearnability,
  nearest,
  outOfBagVotes,
  pairFeature,
  poolLearnability,
} from '../../src/studio/learnability.js';

test('inBagCounts counts each member’s draws; held-out pairs are out of bag for all; rows outside the pairs are refused', () => {
  const counts = inBagCounts([Int32Array.from([0, 0, 2]), Int32Array.from([1, 2, 2])], 3, 1);
  assert.deepEqual(counts.map((c) => [...c]), [[2, 0, 1, 0], [0, 1, 2, 0]]);
  assert.throws(() => inBagCounts([Int32Array.from([0, 3, 1])], 3), /bootstrap rows must lie in \[0, 3\), got 3/);
});

test('out-of-bag votes: v_i = members without pair i, c_i = those with a positive margin (½ at 0)', () => {
  const margins = [Float32Array.from([1, -1, 0, 2]), Float32Array.from([-1, 2, 3, 0]), Float32Array.from([4, 4, -4, 4])];
  const inBag = [Uint16Array.from([0, 1, 0, 0]), Uint16Array.from([0, 0, 2, 0]), Uint16Array.from([1, 1, 0, 0])];
  const { correct, votes } = outOfBagVotes(margins, inBag);
  // pair 0: members 0, 1 out of bag → 1 + 0; pair 1: member 1 → 1; pair 2: members 0, 2 → ½ + 0; pair 3: all → 1 + ½ + 1
  assert.deepEqual([...votes], [2, 1, 2, 3]);
  assert.deepEqual([...correct], [1, 1, 0.5, 2.5]);
  assert.equal(globalAccuracy(correct, votes), 5 / 8);
  assert.equal(globalAccuracy(new Float64Array(2), new Float64Array(2)), null);
});

test('the pair feature is concat_k |h_k(a) − h_k(b)|, the same for (a, b) and (b, a)', () => {
  const f = [Float32Array.from([1, 2, 3, 5, 0, 0]), Float32Array.from([-1, 1, 2, -2, 7, 7])]; // 3 items, hidden 2
  assert.deepEqual([...pairFeature(f, 2, 0, 1)], [2, 3, 3, 3]);
  assert.deepEqual([...pairFeature(f, 2, 1, 0)], [2, 3, 3, 3]);
  assert.deepEqual([...pairFeature(f, 2, 2, 0)], [1, 2, 8, 6]);
});

test('nearest returns the k smallest squared distances, nearest first, ties by index', () => {
  const rng = new Rng(4);
  const refs = Array.from({ length: 30 }, () => Float32Array.from({ length: 5 }, () => rng.normal()));
  const q = Float32Array.from({ length: 5 }, () => rng.normal());
  const d = refs.map((r) => r.reduce((s, x, i) => s + (x - q[i]!) ** 2, 0));
  const brute = d.map((x, j) => [x, j] as const).sort((a, b) => a[0] - b[0]).slice(0, 7).map(([, j]) => j);
  assert.deepEqual(nearest(q, refs, 7), brute);
  const same = [Float32Array.from([1]), Float32Array.from([0]), Float32Array.from([1])];
  assert.deepEqual(nearest(Float32Array.from([1]), same, 2), [0, 2]);
  assert.equal(nearest(q, refs, 50).length, 30);
});

test('local learnability is max(0, 2·acc − 1) with acc shrunk toward ā by α votes; null without votes or prior', () => {
  const correct = Float64Array.from([2, 0, 1, 3]);
  const votes = Float64Array.from([2, 1, 2, 3]);
  assert.equal(localLearnability([0, 3], correct, votes), 1, 'every vote right');
  assert.ok(Math.abs(localLearnability([0, 1, 2], correct, votes)! - (2 * (3 / 5) - 1)) < 1e-12);
  assert.equal(localLearnability([1], correct, votes), 0, 'below chance clips to 0');
  const shrunk = (2 + 0 + 10 * 0.7) / (2 + 1 + 10);
  assert.ok(Math.abs(localLearnability([0, 1], correct, votes, 10, 0.7)! - (2 * shrunk - 1)) < 1e-12);
  assert.equal(localLearnability([], correct, votes), null);
  assert.ok(Math.abs(localLearnability([], correct, votes, 10, 0.7)! - 0.4) < 1e-12, 'no neighbour: the prior');
});

test('pool learnability reads the shrunken accuracy of the nearest labelled pairs that hold a vote', () => {
  // two regions: near 0 every out-of-bag vote is right, near 10 half are; one labelled pair has no vote
  const labelled = [0, 0.1, 0.2, 10, 10.1, 10.2, 0.05].map((x) => Float32Array.from([x]));
  const correct = Float64Array.from([1, 2, 1, 1, 0, 1, 0]);
  const votes = Float64Array.from([1, 2, 1, 2, 1, 1, 0]);
  const o = { neighbours: 3, prior: 2, floor: 0.1 };
  const abar = 6 / 8;
  const L = poolLearnability([Float32Array.from([0.04]), Float32Array.from([9.9])], labelled, correct, votes, o);
  assert.ok(Math.abs(L[0]! - (2 * ((4 + 2 * abar) / (4 + 2)) - 1)) < 1e-12, `learnable region ${L[0]}`);
  assert.ok(Math.abs(L[1]! - (2 * ((2 + 2 * abar) / (4 + 2)) - 1)) < 1e-12, `chance region ${L[1]}`);
  assert.deepEqual([...poolLearnability([Float32Array.from([1])], labelled, correct, new Float64Array(7), o)], [1], 'no vote anywhere: plain BALD');
});

test('the score is BALD · max(ε, L), averaged over a best-of-4 set’s six pairs', () => {
  assert.equal(learnableInformation(0.4, 0.5, 0.1), 0.2);
  assert.equal(learnableInformation(0.4, 0, 0.1), 0.4 * 0.1, 'the floor keeps exploring');
  assert.equal(DEFAULT_LEARNABILITY.floor > 0, true);
  const rng = new Rng(8);
  const K = 3;
  const hidden = 2;
  const items = 6;
  const scores = Array.from({ length: K }, () => Float32Array.from({ length: items }, () => rng.normal()));
  const features = Array.from({ length: K }, () => Float32Array.from({ length: items * hidden }, () => rng.normal()));
  const evidence = {
    features: Array.from({ length: 8 }, () => Float32Array.from({ length: K * hidden }, () => Math.abs(rng.normal()))),
    correct: Float64Array.from([1, 0, 2, 1, 1, 0, 1, 3]),
    votes: Float64Array.from([1, 1, 2, 2, 1, 1, 1, 3]),
  };
  const o = { neighbours: 3, prior: 4, floor: 0.2 };
  const sets = [[0, 1], [2, 3, 4, 5]];
  const { score, learnability } = learnableBald({ sets, scores, features, hidden }, evidence, o);
  sets.forEach((set, s) => {
    let sum = 0;
    let lsum = 0;
    let n = 0;
    for (let a = 0; a < set.length; a++) {
      for (let b = a + 1; b < set.length; b++) {
        const [L] = poolLearnability([pairFeature(features, hidden, set[a]!, set[b]!)], evidence.features, evidence.correct, evidence.votes, o);
        sum += pairMutualInformation(scores, set[a]!, set[b]!) * Math.max(o.floor, L!);
        lsum += L!;
        n++;
      }
    }
    assert.ok(Math.abs(score[s]! - sum / n) < 1e-12, `set ${s}: ${score[s]} vs ${sum / n}`);
    assert.ok(Math.abs(learnability[s]! - lsum / n) < 1e-12);
  });
});
