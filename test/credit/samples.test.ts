// Credit across samples: Flow-GRPO group-relative advantages, DDPO's per-prompt tracker, whiten, clip.
// Expected values are computed by hand in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';
import { PerPromptStatTracker, clipAdvantages, groupRelativeAdvantages, whiten } from '../../src/credit/index.js';

torch.setNumThreads(1);
const t = (v: number[]): torch.Tensor => torch.tensor(v, { dtype: 'float64' });

test('groupRelativeAdvantages: per-group mean and population std + 1e-4 (Flow-GRPO)', () => {
  // group a = [1, 3]: μ 2, σ 1; group b = [2, 2, 5]: μ 3, σ √2.
  const a = groupRelativeAdvantages(t([1, 3, 2, 2, 5]), ['a', 'a', 'b', 'b', 'b']);
  const s2 = Math.SQRT2 + 1e-4;
  assertClose(a.toArray(), [-1 / 1.0001, 1 / 1.0001, -1 / s2, -1 / s2, 2 / s2], 1e-12);
  assert.equal(a.dtype, 'float64');
});

test("groupRelativeAdvantages: std 'global' keeps the group mean and divides by the batch std", () => {
  // batch [1,3,2,2,5]: μ 2.6, Σ(r−μ)² = 9.2, σ = √1.84.
  const s = Math.sqrt(1.84) + 1e-4;
  const a = groupRelativeAdvantages(t([1, 3, 2, 2, 5]), [0, 0, 1, 1, 1], { std: 'global' });
  assertClose(a.toArray(), [-1 / s, 1 / s, -1 / s, -1 / s, 2 / s], 1e-12);
});

test('groupRelativeAdvantages: a lone sample gets 0; float32 in, float32 out; errors name the fix', () => {
  const a = groupRelativeAdvantages(torch.tensor([4, 1, 2]), ['x', 'y', 'y']);
  assert.equal(a.dtype, 'float32');
  assertClose(a.toArray(), [0, -0.5 / 0.5001, 0.5 / 0.5001], 1e-6); // y = [1, 2]: μ 1.5, σ 0.5
  // A RewardResult's Float32Array (or plain numbers) works too; float32 out, float64 for Float64Array.
  assertClose(groupRelativeAdvantages(Float32Array.from([4, 1, 2]), ['x', 'y', 'y']).toArray(), a.toArray(), 0);
  assert.equal(groupRelativeAdvantages(Float64Array.from([4, 1, 2]), ['x', 'y', 'y']).dtype, 'float64');
  assert.equal(groupRelativeAdvantages([4, 1, 2], ['x', 'y', 'y']).dtype, 'float32');
  assert.throws(() => groupRelativeAdvantages(t([1, 2]), ['a']), /groupIds must have B=2 entries, got 1/);
  assert.throws(() => groupRelativeAdvantages(t([1, NaN]), ['a', 'a']), /rewards must be finite, got NaN at index 1/);
  assert.throws(() => groupRelativeAdvantages(torch.zeros([2, 2]), ['a', 'a']), /rewards must have shape \[B\]/);
});

test('PerPromptStatTracker: batch stats below minCount, then the prompt buffer of bufferSize (DDPO)', () => {
  const tr = new PerPromptStatTracker({ bufferSize: 3, minCount: 2 });
  // p buffer [1, 3] (count 2: own stats μ 2 σ 1); q buffer [10] (count 1: batch [1, 3, 10], μ 14/3, σ² 402/27).
  const a1 = tr.update(['p', 'p', 'q'], t([1, 3, 10]));
  const sb = Math.sqrt(402 / 27) + 1e-6;
  assertClose(a1.toArray(), [-1 / (1 + 1e-6), 1 / (1 + 1e-6), 16 / 3 / sb], 1e-12);
  // p buffer [1, 3, 5]: μ 3, σ² 8/3; q buffer [10, 20]: μ 15, σ 5.
  const a2 = tr.update(['p', 'q'], t([5, 20]));
  const sp = Math.sqrt(8 / 3) + 1e-6;
  assertClose(a2.toArray(), [2 / sp, 5 / (5 + 1e-6)], 1e-12);
  const saved = tr.stateDict();
  // p buffer drops 1: [3, 5, 7], μ 5, σ² 8/3.
  const a3 = tr.update(['p'], t([7]));
  assertClose(a3.toArray(), [2 / sp], 1e-12);
  assert.deepEqual(tr.stats()['p'], { mean: 5, std: Math.sqrt(8 / 3), count: 3 });

  const resumed = new PerPromptStatTracker({ bufferSize: 3, minCount: 2 });
  resumed.loadStateDict(JSON.parse(JSON.stringify(saved)));
  assertClose(resumed.update(['p'], t([7])).toArray(), a3.toArray(), 0);
  assert.throws(
    () => new PerPromptStatTracker({ bufferSize: 4, minCount: 2 }).loadStateDict(saved),
    /options must match.*construct the tracker with the saved options/,
  );
  assert.throws(
    () => new PerPromptStatTracker({ bufferSize: 2, minCount: 3 }),
    /minCount must be an integer in \[0, bufferSize=2\]/,
  );
  assert.throws(() => tr.update(['p'], t([1, 2])), /prompts must have B=2 entries, got 1/);
  tr.clear();
  assert.deepEqual(tr.stats(), {});
});

test('whiten and clipAdvantages', () => {
  // [1, 2, 3]: μ 2, σ = √(2/3).
  const s = Math.sqrt(2 / 3);
  assertClose(whiten(t([1, 2, 3]), 1e-12).toArray(), [-1 / s, 0, 1 / s], 1e-9);
  const w = whiten(torch.tensor([[1, 3]]), 1e-12);
  assert.deepEqual(w.shape, [1, 2]);
  assertClose(w.toArray(), [-1, 1], 1e-6);
  assertClose(clipAdvantages(t([-5, 0.5, 7]), 2).toArray(), [-2, 0.5, 2], 0);
  assert.throws(() => clipAdvantages(t([1]), 0), /max must be > 0, got 0/);
});
