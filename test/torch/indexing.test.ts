// Python-style indexing (x.index(...)) and index_put, compared with PyTorch's x[...] on the same tensor
// (x = arange(60).reshape(5, 4, 3); cases and index tensors from test/fixtures/ops_ref.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, scope, slice, tensor, type Tensor } from '../../src/torch/index.js';
import { assertMatchesRecord, fromRecord, loadRef } from './ref.js';

interface Operands {
  x: Tensor;
  idx: Tensor;
  idx2: Tensor;
  jdx: Tensor;
  mask: Tensor;
  mask0: Tensor;
  mask1: Tensor;
  mask2: Tensor;
}

/** Each key is the Python expression the fixture evaluated; the value is the same expression in Refract. */
const CASES: Record<string, (o: Operands) => Tensor> = {
  'x[0]': ({ x }) => x.index(0),
  'x[:, 1]': ({ x }) => x.index(slice(), 1),
  'x[1:5:2]': ({ x }) => x.index(slice(1, 5, 2)),
  'x[-1]': ({ x }) => x.index(-1),
  'x[..., 0]': ({ x }) => x.index('...', 0),
  'x[None]': ({ x }) => x.index(null),
  'x[idx]': ({ x, idx }) => x.index(idx),
  'x[:, idx]': ({ x, idx }) => x.index(slice(), idx),
  'x[idx2]': ({ x, idx2 }) => x.index(idx2),
  'x[mask]': ({ x, mask }) => x.index(mask),
  'x[mask0]': ({ x, mask0 }) => x.index(mask0),
  'x[:, mask1]': ({ x, mask1 }) => x.index(slice(), mask1),
  'x[..., mask1, :]': ({ x, mask1 }) => x.index('...', mask1, slice()),
  'x[idx, jdx]': ({ x, idx, jdx }) => x.index(idx, jdx),
  'x[idx, :, 1:]': ({ x, idx }) => x.index(idx, slice(), slice(1)),
  'x[0, idx]': ({ x, idx }) => x.index(0, idx),
  'x[idx, 1:3, jdx % 3]': ({ x, idx, jdx }) => x.index(idx, slice(1, 3), jdx.remainder(3)),
  'x[..., mask2]': ({ x, mask2 }) => x.index('...', mask2),
  'x[1:, None, -2]': ({ x }) => x.index(slice(1), null, -2),
  'x[::2, ..., 1]': ({ x }) => x.index(slice(null, null, 2), '...', 1),
  'x[-3:-1, ::3]': ({ x }) => x.index(slice(-3, -1), slice(null, null, 3)),
  'x[..., None]': ({ x }) => x.index('...', null),
  'x[2, 3, 1]': ({ x }) => x.index(2, 3, 1),
  'index_put(x, [idx[:2], jdx[:2]], [-1,-2,-3])': ({ x, idx, jdx }) =>
    x.indexPut([idx.narrow(0, 0, 2), jdx.narrow(0, 0, 2)], tensor([-1, -2, -3], { dtype: 'float64' })),
  'index_put accumulate x[[1,1,4]] += 1': ({ x }) =>
    x.indexPut([tensor([1, 1, 4], { dtype: 'int64' })], tensor(1, { dtype: 'float64' }).expand(3, 4, 3), true),
};

function operands(): Operands {
  const ix = loadRef().indexing;
  const get = (k: keyof Operands): Tensor => fromRecord(ix[k]!);
  return {
    x: get('x'),
    idx: get('idx'),
    idx2: get('idx2'),
    jdx: get('jdx'),
    mask: get('mask'),
    mask0: get('mask0'),
    mask1: get('mask1'),
    mask2: get('mask2'),
  };
}

test('every fixture indexing case has a TS twin and vice versa', () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(loadRef().indexing.cases).sort());
});

for (const [expr, fn] of Object.entries(CASES)) {
  test(`indexing matches PyTorch: ${expr}`, () => {
    scope(() => {
      const o = operands();
      assertMatchesRecord(fn(o), loadRef().indexing.cases[expr]!, expr, 0, 0);
    });
  });
}

test('index returns a view for basic indexing (writes show through) and a fresh tensor when spec is empty', () => {
  scope(() => {
    const x = arange(6).reshape(2, 3);
    x.index(1).fill_(-1);
    assert.deepEqual(x.toArray(), [0, 1, 2, -1, -1, -1]);
    const same = x.index();
    assert.notEqual(same, x);
    assert.deepEqual(same.shape, [2, 3]);
  });
});

test('indexPut_ writes in place; indexPut leaves the original alone', () => {
  scope(() => {
    const x = arange(4, undefined, 1, { dtype: 'float32' });
    const y = x.indexPut([tensor([0], { dtype: 'int64' })], tensor([9]));
    assert.deepEqual(x.toArray(), [0, 1, 2, 3]);
    assert.deepEqual(y.toArray(), [9, 1, 2, 3]);
    x.indexPut_([tensor([1, 3], { dtype: 'int64' })], tensor([5, 6]));
    assert.deepEqual(x.toArray(), [0, 5, 2, 6]);
  });
});

test('indexing mistakes raise TorchErrors that name the problem', () => {
  scope(() => {
    const x = arange(6).reshape(2, 3);
    assert.throws(() => x.index(0, 0, 0), {
      name: 'TorchError',
      message: /too many indices \(3\) for a tensor of rank 2/,
    });
    assert.throws(() => x.index('...', 0, '...'), { name: 'TorchError', message: /only one ellipsis/ });
    assert.throws(() => x.index(slice(), 3), {
      name: 'TorchError',
      message: /index 3 is out of bounds for dimension 1 with size 3/,
    });
    assert.throws(() => x.index(-3), {
      name: 'TorchError',
      message: /index -3 is out of bounds for dimension 0 with size 2/,
    });
    assert.throws(() => x.index(tensor([[true, false]])), { name: 'TorchError', message: /shape of the mask/ });
  });
});
