// The audit's statistics against closed forms and published reference values (scipy.stats docs examples).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks,
  btNll,
  conflictRate,
  expectedCalibrationError,
  fitTemperature,
  kendallTauB,
  pairCredit,
  spearman,
  calibrationSplit,
} from '../../src/reliability/audit/index.js';
import { assertClose, assertScalarClose } from '../helpers.js';

test('average ranks share the mean rank across ties', () => {
  assertClose(averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4]);
  assertClose(averageRanks([3, 1, 2]), [3, 1, 2]);
});

test('Spearman and Kendall τ-b match scipy.stats on its documented examples', () => {
  // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7]).statistic
  assertScalarClose(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 0.8207826816681233, 1e-12, 'spearman');
  // scipy.stats.kendalltau([12,2,1,12,2], [1,4,7,1,0]).statistic (τ-b)
  assertScalarClose(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), -0.47140452079103173, 1e-12, 'kendall');
  assert.equal(spearman([1, 2, 3], [10, 20, 40]), 1);
  assert.equal(kendallTauB([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])), 'constant vector: no ordering to agree with');
  assert.ok(Number.isNaN(spearman(new Array(7).fill(0.1), [1, 2, 3, 4, 5, 6, 7])), 'even when its mean rounds');
  assert.ok(Number.isNaN(kendallTauB([2, 2, 2], [1, 2, 3])));
  assert.throws(() => spearman([1, 2], [1, 2, 3]), /same length, got 2 and 3/);
});

test('conflict = discordant / strictly ordered pairs', () => {
  assert.equal(conflictRate([1, 2, 3], [3, 2, 1]), 1);
  assert.equal(conflictRate([1, 2, 3], [1, 5, 9]), 0);
  // 10 pairs: (0,3) tied in both, (1,4) tied in x → 8 strict; C − D = −4 (from τ-b above) → D = 6.
  assert.equal(conflictRate([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), 0.75);
});

test('ECE of Bradley–Terry probabilities: closed forms', () => {
  const c = Math.log(3); // σ(ln 3) = 3/4
  // Always right at confidence 3/4: |1 − 3/4|.
  assertScalarClose(expectedCalibrationError([c, c, c, c], 1).ece, 0.25, 1e-12);
  // Right 3 times in 4 at confidence 3/4: calibrated.
  const mixed = expectedCalibrationError([c, c, c, -c], 1);
  assertScalarClose(mixed.ece, 0, 1e-12);
  const bin = mixed.bins.find((b) => b.count > 0)!;
  assert.equal(bin.count, 4);
  assertScalarClose(bin.meanConfidence, 0.75, 1e-12);
  assertScalarClose(bin.accuracy, 0.75, 1e-12);
  // A tie is confidence ½ and half correct: calibrated.
  assertScalarClose(expectedCalibrationError([0, 0], 1).ece, 0, 1e-12);
  assert.throws(() => expectedCalibrationError([1], 1, 0), /bins must be a positive integer, got 0/);
});

test('temperature fit minimises the BT NLL: σ(c/T) = fraction right when all |Δr| = c', () => {
  const d = [1, 1, 1, -1]; // right 3/4 → T = 1 / logit(3/4) = 1 / ln 3
  const T = fitTemperature(d);
  assertScalarClose(T, 1 / Math.log(3), 1e-4, 'T');
  assert.ok(btNll(d, T) <= btNll(d, T * 1.05) && btNll(d, T) <= btNll(d, T / 1.05));
  assertScalarClose(btNll([0], 1), Math.log(2), 1e-12, 'NLL of a tie');
  assertScalarClose(expectedCalibrationError(d, T).ece, 0, 1e-6, 'calibrated after scaling');
  assert.ok(fitTemperature([1, 2, 0.5]) <= 1.01e-3, 'never wrong → T at the lower bound (a step function)');
});

test('pair credit and the calibration split', () => {
  assert.deepEqual([pairCredit(0.3), pairCredit(0), pairCredit(-2)], [1, 0.5, 0]);
  const { fit, test: held } = calibrationSplit(11, 3);
  assert.equal(fit.length, 5);
  assert.equal(held.length, 6);
  assert.deepEqual(
    [...fit, ...held].sort((a, b) => a - b),
    Array.from({ length: 11 }, (_, i) => i),
  );
  assert.deepEqual(calibrationSplit(11, 3).fit, fit, 'seeded');
});
