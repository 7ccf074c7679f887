// torch.tensor over every input form (issue #11: a Float64Array once gave a silent 0-d NaN tensor): typed arrays
// keep their dtype (as torch.tensor(numpy_array)), nested arrays may hold typed rows, empty input has shape [0],
// and ragged or non-numeric input throws a one-line error naming the op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { TensorData } from '../../src/torch/creation.js';

const cases: { what: string; data: TensorData; dtype: string; shape: number[]; values: number[] }[] = [
  { what: 'Float64Array', data: new Float64Array([1, 2, 3]), dtype: 'float64', shape: [3], values: [1, 2, 3] },
  { what: 'Float32Array', data: new Float32Array([0.5, -1]), dtype: 'float32', shape: [2], values: [0.5, -1] },
  { what: 'Int32Array', data: new Int32Array([7, -7]), dtype: 'int32', shape: [2], values: [7, -7] },
  { what: 'Uint8Array', data: new Uint8Array([0, 255]), dtype: 'uint8', shape: [2], values: [0, 255] },
  { what: 'Int16Array', data: new Int16Array([-3]), dtype: 'int16', shape: [1], values: [-3] },
  { what: 'BigInt64Array', data: new BigInt64Array([5n, -2n]), dtype: 'int64', shape: [2], values: [5, -2] },
  { what: 'empty Float32Array', data: new Float32Array(0), dtype: 'float32', shape: [0], values: [] },
  { what: 'nested numbers', data: [[1, 2], [3, 4]], dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] },
  { what: 'rows of typed arrays', data: [new Float64Array([1, 2]), new Float64Array([3, 4])], dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] },
  { what: 'empty array', data: [], dtype: 'float32', shape: [0], values: [] },
  { what: 'array of empty arrays', data: [[], []], dtype: 'float32', shape: [2, 0], values: [] },
  { what: 'scalar', data: 2.5, dtype: 'float32', shape: [], values: [2.5] },
  { what: 'booleans', data: [true, false], dtype: 'bool', shape: [2], values: [1, 0] },
];

for (const c of cases) {
  test(`tensor(${c.what}) → ${c.dtype} [${c.shape.join(', ')}]`, () => {
    const t = torch.tensor(c.data);
    assert.equal(t.dtype, c.dtype);
    assert.deepEqual(t.shape, c.shape);
    assert.deepEqual(torch.scope(() => t.flatten().to('float64').toArray()), c.values);
    t.dispose();
  });
}

test('tensor(typed array, { dtype }) converts', () => {
  const t = torch.tensor(new Float64Array([1.5, 2.5]), { dtype: 'int64' });
  assert.equal(t.dtype, 'int64');
  assert.deepEqual(t.toArray(), [1, 2]);
  t.dispose();
  const h = torch.tensor(new Float32Array([1, 2]), { dtype: 'float16' });
  assert.equal(h.dtype, 'float16');
  h.dispose();
});

test('tensor: ragged, mismatched and non-numeric input throw one-line errors naming the op', () => {
  assert.throws(() => torch.tensor([new Float32Array([1, 2]), new Float32Array([3])]), /tensor.*must not be ragged: expected length 2 at depth 1, got 1/);
  assert.throws(() => torch.tensor([[1], 2] as TensorData), /must not be ragged/);
  assert.throws(() => torch.tensor(['a'] as unknown as TensorData), /must hold numbers, booleans or typed arrays, got string a/);
  assert.throws(() => torch.tensor({} as unknown as TensorData), /got Object at depth 0/);
  assert.throws(() => torch.tensor(new Uint16Array([1])), /Uint16Array needs an explicit dtype/);
});

test('the other creation functions take typed arrays through fromTypedArray, with shape checks', () => {
  const t = torch.fromTypedArray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float64');
  t.dispose();
  assert.throws(() => torch.fromTypedArray(new Float32Array(5), [2, 3]), /shape \[2, 3\] has 6 elements but the data has 5/);
  const e = torch.fromTypedArray(new Float32Array(0), [0, 4]);
  assert.deepEqual(e.shape, [0, 4]);
  e.dispose();
});
