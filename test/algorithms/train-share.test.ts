// The global optimizer-step plan (src/algorithms/train-share.ts): in one process it is the old shuffle-and-chunk;
// over ranks, every rank sees the same members per step and the ranks' rows partition them; the weights make each
// step's averaged loss the mean over its members; and the DDPO case of data-parallel.test.ts really splits steps
// unequally across its 2 ranks (else that test could not catch a per-rank mean).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, deriveSeed } from '../../src/data/rng.js';
import type { DataParallel } from '../../src/algorithms/data-parallel.js';
import { allTrained, epochSteps, minibatches, shareWeight, trainShare } from '../../src/algorithms/train-share.js';

const twoRanks = (rank: number): DataParallel => ({ rank, worldSize: 2 }) as unknown as DataParallel;

test('one process: the shuffled batch cut into steps, the rows being the members', () => {
  const share = trainShare(allTrained(8), 8);
  const steps = epochSteps(share, new Rng(5), 3);
  const order = new Rng(5).shuffle(allTrained(8));
  assert.deepEqual(steps.map((s) => s.members), [order.slice(0, 3), order.slice(3, 6), order.slice(6)]);
  assert.deepEqual(steps.map((s) => s.rows), steps.map((s) => s.members));
  assert.deepEqual(steps.map((s) => shareWeight(share, s, 1)), [1 / 3, 1 / 3, 1 / 2]);
  assert.deepEqual(minibatches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(epochSteps(trainShare([], 0), new Rng(5), 3), []);
});

test('two ranks: the same members per step, the rows partition them, the weights sum to the mean', () => {
  // rank 0 holds global samples 0–3 as rows 0–3, rank 1 holds 4–7 as rows 0–3 (DDPO's contiguous shares)
  const shares = [0, 1].map((r) => trainShare([0, 1, 2, 3].map((i) => i + 4 * r), 8, twoRanks(r)));
  const plans = shares.map((sh) => epochSteps(sh, new Rng(deriveSeed(3, 1, 3)), 3));
  assert.deepEqual(plans[0]!.map((s) => s.members), plans[1]!.map((s) => s.members));
  plans[0]!.forEach((step, u) => {
    const global = [...plans[0]![u]!.rows, ...plans[1]![u]!.rows.map((row) => row + 4)].sort();
    assert.deepEqual(global, [...step.members].sort(), `step ${u}: the ranks' rows are its members`);
    // the all-reduce averages: (w₀ + w₁)/2 summed per sample is 1 for the step
    const mean = (shareWeight(shares[0]!, step, plans[0]![u]!.rows.length) + shareWeight(shares[1]!, plans[1]![u]!, plans[1]![u]!.rows.length)) / 2;
    assert.equal(mean, 1);
  });
  // GRPO's unequal shares: rank 0 trains 2 samples, rank 1 trains 6; a rank may hold no member of a step
  const unequal = [trainShare([0, 1, -1, -1], 8, twoRanks(0)), trainShare([2, 3, 4, 5, 6, 7], 8, twoRanks(1))];
  const steps = unequal.map((sh) => epochSteps(sh, new Rng(9), 4));
  steps[0]!.forEach((s, u) => assert.equal(s.rows.length + steps[1]![u]!.rows.length, s.members.length));
});

/** Per step, how many members each of 2 ranks holds (rank r holds global samples 4r..4r+3), over `epochs`. */
function splits(perStep: number, epochs: number): number[][] {
  const held = [0, 1].map((r) => trainShare([0, 1, 2, 3].map((i) => i + 4 * r), 8, twoRanks(r)));
  const rng = [0, 1].map(() => new Rng(deriveSeed(11, 1, 3))); // the test's seed 11, iteration 1, the update's stream
  const out: number[][] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const plans = held.map((sh, r) => epochSteps(sh, rng[r]!, perStep));
    plans[0]!.forEach((s, u) => out.push([s.rows.length, plans[1]![u]!.rows.length]));
  }
  return out;
}

test('the data-parallel DDPO cases split their steps unequally over the 2 ranks', () => {
  const four = splits(2, 1); // 'ddpo 4 steps per epoch'
  assert.equal(four.length, 4);
  assert.ok(four.some(([x, y]) => x !== y), `a step of 2 lies on one rank: ${JSON.stringify(four)}`);
  const accumulated = splits(3, 2); // 'ddpo accumulation, 2 epochs'
  assert.equal(accumulated.length, 6, 'steps of 3, 3, 2 in each of 2 epochs');
  assert.ok(accumulated.some(([x, y]) => x === 0 || y === 0), `a rank holds no member of a step: ${JSON.stringify(accumulated)}`);
});
