// Credit across denoising steps: step selection (all, seeded random, window, MixGRPO sliding window), step
// advantages with weights, and process rewards normalised per step. Hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';
import {
  gatherSteps,
  noiseLevelWeights,
  processRewardAdvantages,
  selectSteps,
  stepAdvantages,
  windowBounds,
  type StepSelection,
} from '../../src/credit/index.js';

torch.setNumThreads(1);

test("selectSteps 'all' keeps the stochastic steps; 'window' is fixed and must be stochastic", () => {
  const stochastic = [true, true, false, true];
  assert.deepEqual(selectSteps({ kind: 'all' }, { numSteps: 4, iteration: 0, stochastic }), [0, 1, 3]);
  assert.deepEqual(
    selectSteps({ kind: 'window', start: 0, size: 2 }, { numSteps: 4, iteration: 9, stochastic }),
    [0, 1],
  );
  assert.throws(
    () => selectSteps({ kind: 'window', start: 1, size: 2 }, { numSteps: 4, iteration: 0, stochastic }),
    /step 2 of the window window \[1, 3\) must be stochastic.*sdeWindow/,
  );
  assert.throws(
    () => selectSteps({ kind: 'window', start: 3, size: 2 }, { numSteps: 4, iteration: 0 }),
    /window \[3, 5\) must fit in T=4/,
  );
  assert.throws(
    () => selectSteps({ kind: 'all' }, { numSteps: 4, iteration: 0, stochastic: [true] }),
    /stochastic must have T=4 entries, got 1/,
  );
});

test("selectSteps 'random' is a pure function of (seed, iteration), K distinct stochastic steps", () => {
  const sel: StepSelection = { kind: 'random', count: 3, seed: 7 };
  const stochastic = [true, true, true, false, true, true, true, true];
  const picks = Array.from({ length: 6 }, (_, it) => selectSteps(sel, { numSteps: 8, iteration: it, stochastic }));
  for (const p of picks) {
    assert.equal(p.length, 3);
    assert.equal(new Set(p).size, 3);
    assert.ok(
      p.every((k) => stochastic[k]),
      `deterministic step picked: ${p}`,
    );
    assert.deepEqual(
      p,
      [...p].sort((a, b) => a - b),
    );
  }
  assert.deepEqual(selectSteps(sel, { numSteps: 8, iteration: 2, stochastic }), picks[2]);
  assert.ok(new Set(picks.map((p) => p.join())).size > 1, 'subsets should change with the iteration');
  assert.throws(
    () => selectSteps({ kind: 'random', count: 8, seed: 0 }, { numSteps: 8, iteration: 0, stochastic }),
    /count must be ≤ 7 stochastic steps, got 8/,
  );
});

test("selectSteps 'sliding' (MixGRPO): l = min(⌊it/τ⌋·s, T − w), or cycling 0, s, 2s, … with wrap", () => {
  const sel: StepSelection = { kind: 'sliding', size: 3, stride: 2, shiftEvery: 5 };
  const at = (it: number, s: StepSelection = sel): number[] => selectSteps(s, { numSteps: 10, iteration: it });
  assert.deepEqual(at(0), [0, 1, 2]);
  assert.deepEqual(at(4), [0, 1, 2]);
  assert.deepEqual(at(5), [2, 3, 4]);
  assert.deepEqual(at(17), [6, 7, 8]); // 3 moves → 6
  assert.deepEqual(at(20), [7, 8, 9]); // 4 moves → 8, clamped to T − w = 7
  const wrap: StepSelection = { ...sel, wrap: true };
  assert.deepEqual(at(15, wrap), [6, 7, 8]); // positions 0, 2, 4, 6; 3 moves → 6
  assert.deepEqual(at(20, wrap), [0, 1, 2]); // 4 moves → back to 0
  assert.deepEqual(windowBounds(sel, 10, 5), [2, 5]);
  assert.equal(windowBounds({ kind: 'all' }, 10, 5), null);
  assert.throws(() => at(0, { ...sel, stride: 0 }), /stride must be an integer ≥ 1, got 0/);
});

test('stepAdvantages: A_i · w_k as [B, K]; noiseLevelWeights normalised to mean 1', () => {
  const a = torch.tensor([1, -2], { dtype: 'float64' });
  const s = stepAdvantages(a, [0, 3], [0.5, 2]);
  assert.deepEqual(s.shape, [2, 2]);
  assertClose(s.toArray(), [0.5, 2, -1, -4], 0);
  assertClose(stepAdvantages(a, [4]).toArray(), [1, -2], 0);
  assert.throws(() => stepAdvantages(a, [0, 1], [1]), /weights must be 2 finite numbers/);
  // stds 0.1 and 0.3 at steps 0 and 2: mean 0.2 → [0.5, 1.5].
  assertClose(noiseLevelWeights([0.1, 0.2, 0.3, 0], [0, 2]), [0.5, 1.5], 1e-12);
  assert.throws(() => noiseLevelWeights([0.1, 0.2, 0.3, 0], [3]), /stds\[3\] must be > 0, got 0/);
});

test('gatherSteps picks the selected columns; processRewardAdvantages normalises each step in its group', () => {
  const lp = torch.tensor([
    [0, 1, 2],
    [3, 4, 5],
  ]);
  assertClose(gatherSteps(lp, [0, 2]).toArray(), [0, 2, 3, 5], 0);
  assert.throws(() => gatherSteps(lp, [3]), /steps must be integers in \[0, 3\)/);
  // step 0: group a [1, 3] → [−1, 1], group b [0, 0] → [0, 0]; step 1: a [0, 0] → 0, b [5, 1] → μ 3 σ 2 → [1, −1].
  const r = torch.tensor(
    [
      [1, 0],
      [3, 0],
      [0, 5],
      [0, 1],
    ],
    { dtype: 'float64' },
  );
  const groupIds = ['a', 'a', 'b', 'b'];
  const all = processRewardAdvantages(r, { groupIds, eps: 1e-12 });
  assert.deepEqual(all.shape, [4, 2]);
  assertClose(all.toArray(), [-1, 0, 1, 0, 0, 1, 0, -1], 1e-9);
  assertClose(processRewardAdvantages(r, { groupIds, steps: [1], eps: 1e-12 }).toArray(), [0, 0, 1, -1], 1e-9);
  assert.throws(
    () => processRewardAdvantages(torch.zeros([4]), { groupIds }),
    /stepRewards must have shape \[B, T\], got \[4\]/,
  );
});
