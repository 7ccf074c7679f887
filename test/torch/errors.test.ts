// Errors a user can hit: each is a TorchError naming the op and saying what was wrong, no native handle leaks,
// and the process keeps working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  TorchError,
  cat,
  fromTypedArray,
  memoryStats,
  ones,
  scope,
  tensor,
  zeros,
  type DType,
  type NestedArray,
} from '../../src/torch/index.js';

interface ErrorCase {
  what: string;
  run: () => unknown;
  /** The TorchError's op (its message starts with `${op}: `). */
  op: string;
  message: RegExp;
}

const i64 = (data: number[]): ReturnType<typeof tensor> => tensor(data, { dtype: 'int64' });

const CASES: ErrorCase[] = [
  {
    what: 'shape mismatch in add',
    run: () => ones([2, 3]).add(ones([4])),
    op: 'aten::add.Tensor',
    message: /size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/,
  },
  {
    what: 'shape mismatch in matmul',
    run: () => ones([2, 3]).matmul(ones([2, 3])),
    op: 'aten::matmul',
    message: /shapes cannot be multiplied \(2x3 and 2x3\)/,
  },
  {
    what: 'dtype mismatch: indexSelect with a float index',
    run: () => ones([3]).indexSelect(0, tensor([0])),
    op: 'aten::index_select',
    message: /Expected dtype int32 or int64 for index/,
  },
  {
    what: 'dtype mismatch: matmul of float32 and float64',
    run: () => ones([2, 2]).matmul(ones([2, 2], { dtype: 'float64' })),
    op: 'aten::matmul',
    message: /expected .*(Float|Double).* (Float|Double)|same dtype/i,
  },
  {
    what: 'out-of-range select',
    run: () => ones([3]).select(0, 5),
    op: 'aten::select.int',
    message: /index 5 out of range for tensor of size \[3\] at dimension 0/,
  },
  {
    what: 'out-of-range integer index',
    run: () => ones([2, 3]).index(0, 3),
    op: 'index',
    message: /index 3 is out of bounds for dimension 1 with size 3/,
  },
  {
    what: 'out-of-range tensor index',
    run: () => ones([3]).index(i64([1, 7])),
    op: 'aten::index.Tensor',
    message: /index 7 is out of bounds for dimension 0 with size 3/,
  },
  {
    what: 'out-of-range gather',
    run: () => ones([2, 3]).gather(1, i64([0, 3]).reshape(2, 1)),
    op: 'aten::gather',
    message: /index 3 is out of bounds for dimension 1 with size 3/,
  },
  {
    what: 'use after dispose',
    run: () => {
      const t = ones([2]);
      t.dispose();
      return t.mul(2);
    },
    op: 'Tensor',
    message: /tensor was used after dispose\(\)/,
  },
  {
    what: 'conv2d with a rank-3 input',
    run: () => F.conv2d(ones([3, 8, 8]), ones([4, 3, 3, 3])),
    op: 'conv2d',
    message: /input must be rank 4, but got rank 3 \(shape \[3, 8, 8\]\)/,
  },
  {
    what: 'conv2d with mismatched channels',
    run: () => F.conv2d(ones([1, 2, 8, 8]), ones([4, 3, 3, 3])),
    op: 'aten::conv2d',
    message: /expected input\[1, 2, 8, 8\] to have 3 channels, but got 2 channels/,
  },
  {
    what: 'reshape to an incompatible size',
    run: () => ones([6]).reshape(4, 2),
    op: 'aten::reshape',
    message: /shape '\[4, 2\]' is invalid for input of size 6/,
  },
  {
    what: 'view of a non-contiguous tensor',
    run: () => ones([2, 3]).t().view(6),
    op: 'aten::view',
    message: /Use \.reshape\(\.\.\.\) instead/,
  },
  {
    what: 'backward on a non-scalar without a gradient',
    run: () => ones([3], { requiresGrad: true }).mul(2).backward(),
    op: 'backward',
    message: /grad can be implicitly created only for scalar outputs/,
  },
  {
    what: 'backward on a tensor that does not require grad',
    run: () => ones([1]).sum().backward(),
    op: 'backward',
    message: /does not require grad and does not have a grad_fn/,
  },
  {
    what: 'a bad dtype string',
    run: () => zeros([2], { dtype: 'float' as DType }),
    op: 'dtype',
    message: /dtype must be one of uint8, .*bfloat16, got 'float'/,
  },
  {
    what: 'a ragged nested array',
    run: () => tensor([[1, 2], [3]]),
    op: 'tensor',
    message: /must not be ragged: expected length 2 at depth 1, got 1/,
  },
  {
    what: 'a nested array with a number where an array belongs',
    run: () => tensor([[1, 2], 3] as NestedArray),
    op: 'tensor',
    message: /must not be ragged/,
  },
  {
    what: 'a nested array with an array where a number belongs',
    run: () => tensor([1, [2]] as NestedArray),
    op: 'tensor',
    message: /expected a number at depth 1, got an array/,
  },
  {
    what: 'a negative shape',
    run: () => zeros([2, -1]),
    op: 'zeros',
    message: /shape must be non-negative integers, got \[2, -1\]/,
  },
  {
    what: 'fromTypedArray with a shape that does not fit the data',
    run: () => fromTypedArray(new Float32Array(5), [2, 3]),
    op: 'fromTypedArray',
    message: /shape \[2, 3\] has 6 elements but the data has 5/,
  },
  {
    what: 'item() of a tensor with several elements',
    run: () => ones([2]).item(),
    op: 'item',
    message: /a tensor with 2 elements cannot be converted to a number/,
  },
  {
    what: 'crossEntropy with a target batch of the wrong size',
    run: () => F.crossEntropy(ones([2, 3]), i64([0, 1, 2, 0, 1])),
    op: 'aten::cross_entropy_loss',
    message: /Expected input batch_size \(2\) to match target batch_size \(5\)/,
  },
  {
    what: 'crossEntropy with a class index out of range',
    run: () => F.crossEntropy(ones([2, 3]), i64([0, 3])),
    op: 'aten::cross_entropy_loss',
    message: /Target 3 is out of bounds/,
  },
  {
    what: 'dtype mismatch: indexing with a float tensor',
    run: () => ones([2]).index(tensor([1])),
    op: 'aten::index.Tensor',
    message: /tensors used as indices must be long, byte or bool tensors/,
  },
  {
    what: 'groupNorm with channels not divisible by groups',
    run: () => F.groupNorm(ones([1, 5, 2, 2]), 2),
    op: 'group_norm',
    message: /channels \(5\) must be divisible by numGroups \(2\)/,
  },
  {
    what: 'interpolate with both size and scaleFactor',
    run: () => F.interpolate(ones([1, 1, 2, 2]), { size: [4, 4], scaleFactor: 2 }),
    op: 'interpolate',
    message: /give exactly one of size or scaleFactor/,
  },
  {
    what: 'size() of a dim a tensor does not have',
    run: () => ones([2, 3]).size(2),
    op: 'size',
    message: /dim 2 is out of range for a tensor of rank 2/,
  },
  {
    what: 'size(0) of a 0-d tensor',
    run: () => tensor(5).size(0),
    op: 'size',
    message: /dim 0 is out of range for a 0-d tensor/,
  },
  {
    what: 'cat of nothing',
    run: () => cat([]),
    op: 'cat',
    message: /cat needs at least one tensor/,
  },
];

for (const c of CASES) {
  test(`TorchError: ${c.what}`, () => {
    scope(() => {
      let caught: unknown;
      try {
        c.run();
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof TorchError, `expected a TorchError, got ${String(caught)}`);
      assert.equal(caught.name, 'TorchError');
      assert.equal(caught.op, c.op);
      assert.ok(caught.message.startsWith(`${c.op}: `), `message starts with the op: ${caught.message}`);
      assert.match(caught.message, c.message);
      assert.doesNotMatch(caught.message, /Exception raised from|frame #\d/, 'no C++ backtrace in the message');
    });
  });
}

test('a failing op creates no native handle, and the process keeps working after many errors', () => {
  const a = ones([2, 3]);
  const b = ones([4]);
  const before = memoryStats().liveTensors;
  for (let i = 0; i < 200; i++) assert.throws(() => a.add(b), TorchError);
  assert.equal(memoryStats().liveTensors, before);
  const c = a.add(1);
  assert.deepEqual(c.toArray(), [2, 2, 2, 2, 2, 2]);
  c.dispose();
  a.dispose();
  b.dispose();
});
