// Credit across reward components (GDPO vs combine-then-normalise) and hard constraints. Hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';
import { applyConstraints, combineComponents } from '../../src/credit/index.js';

torch.setNumThreads(1);
const t = (v: number[]): torch.Tensor => torch.tensor(v, { dtype: 'float64' });
const EPS = 1e-12;

test('combineComponents: the raw weighted sum lets scale override weight; GDPO keeps the weights', () => {
  // a = [0, 100] (weight 1), b = [1, 0] (weight 2), one group of two.
  const components = { a: t([0, 100]), b: t([1, 0]) };
  const weights = { a: 1, b: 2 };
  // combine then normalise: Σ w r = [2, 100] → [−1, 1]: a wins although b weighs twice as much.
  const raw = combineComponents(components, weights, { groupIds: [0, 0], mode: 'combine_then_normalize', eps: EPS });
  assertClose(raw.toArray(), [-1, 1], 1e-9);
  // GDPO: â = [−1, 1], b̂ = [1, −1]; 1·â + 2·b̂ = [1, −1]; batch-normalised (μ 0, σ 1) → [1, −1].
  const gdpo = combineComponents(components, weights, { groupIds: [0, 0], eps: EPS });
  assertClose(gdpo.toArray(), [1, -1], 1e-9);
});

test('combineComponents: GDPO normalises each component in its group, sums, then normalises the batch', () => {
  // a = [1, 0, 0]: μ 1/3, σ √2/3 → â = [√2, −1/√2, −1/√2]; b = [0, 1, 0] → b̂ = [−1/√2, √2, −1/√2].
  // â + b̂ = [1/√2, 1/√2, −√2]; over the batch μ 0 and σ² = (1/2 + 1/2 + 2)/3 = 1, so unchanged.
  const components = { a: t([1, 0, 0]), b: t([0, 1, 0]) };
  const r = Math.SQRT1_2;
  const summed = combineComponents(
    components,
    { a: 1, b: 1 },
    { groupIds: ['g', 'g', 'g'], eps: EPS, batchNormalize: false },
  );
  assertClose(summed.toArray(), [r, r, -2 * r], 1e-9);
  const gdpo = combineComponents(components, { a: 1, b: 1 }, { groupIds: ['g', 'g', 'g'], eps: EPS });
  assertClose(gdpo.toArray(), [r, r, -2 * r], 1e-9);
  // Two groups: group 1 = [a 2, a 4] → â = [−1, 1]; group 2 = [a 0, a 0] → â = [0, 0] (no batch norm).
  const two = combineComponents(
    { a: t([2, 4, 0, 0]) },
    { a: 3 },
    { groupIds: [1, 1, 2, 2], eps: EPS, batchNormalize: false },
  );
  assertClose(two.toArray(), [-3, 3, 0, 0], 1e-9);
});

test('combineComponents: errors name the component and the fix', () => {
  const c = { a: t([1, 2]), b: t([1, 2]) };
  assert.throws(
    () => combineComponents(c, { a: 1 }, { groupIds: [0, 0] }),
    /weights\["b"\] must be a finite number, got undefined/,
  );
  assert.throws(
    () => combineComponents(c, { a: 1, b: 1, z: 1 }, { groupIds: [0, 0] }),
    /weights must name only components \[a, b\], got "z"/,
  );
  assert.throws(
    () => combineComponents({ a: t([1, 2]), b: t([1]) }, { a: 1, b: 1 }, { groupIds: [0, 0] }),
    /components\["b"\] must have B=2 elements, got 1/,
  );
  assert.throws(() => combineComponents({}, {}, { groupIds: [] }), /components must be non-empty/);
});

test('applyConstraints: zero, negate (−|A|) and penalty on violating samples only', () => {
  const a = t([1, -2, 3]);
  const v = torch.tensor([false, true, true]);
  assertClose(applyConstraints(a, v, { mode: 'zero' }).toArray(), [1, 0, 0], 0);
  assertClose(applyConstraints(a, v, { mode: 'negate' }).toArray(), [1, -2, -3], 0);
  assertClose(applyConstraints(a, t([0, 1, 1]), { mode: 'penalty', penalty: 1 }).toArray(), [1, -3, 2], 0);
  assertClose(a.toArray(), [1, -2, 3], 0); // input untouched
  assert.throws(
    () => applyConstraints(a, v, { mode: 'penalty' }),
    /penalty must be a number > 0 for mode 'penalty', got undefined/,
  );
  assert.throws(
    () => applyConstraints(a, torch.tensor([true]), { mode: 'zero' }),
    /violations must have shape \[B\] matching A \[3\], got \[1\]/,
  );
});
