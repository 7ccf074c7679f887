// Element types: creation, byte-exact round trips through toTypedArray, half-float encodings, type promotion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange,
  eye,
  fromTypedArray,
  full,
  linspace,
  ones,
  scope,
  tensor,
  zeros,
  type DType,
} from '../../src/torch/index.js';

test('typed arrays round-trip exactly through every plain dtype', () => {
  scope(() => {
    const cases: [DType, Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array][] = [
      ['float32', Float32Array.from([1.5, -0.1, 3.4028234663852886e38, 1e-45])],
      ['float64', Float64Array.from([Math.PI, -0.1, Number.MAX_VALUE, Number.MIN_VALUE])],
      ['int64', BigInt64Array.from([9007199254740993n, -(2n ** 62n), 0n, 42n])],
      ['int32', Int32Array.from([2147483647, -2147483648, 0, 7])],
      ['uint8', Uint8Array.from([0, 1, 128, 255])],
    ];
    for (const [dtype, data] of cases) {
      const t = fromTypedArray(data, [2, 2]);
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, [2, 2]);
      assert.deepEqual(t.toTypedArray(), data, `${dtype} round trip`);
    }
  });
});

test('tensor() builds each dtype from nested arrays', () => {
  scope(() => {
    assert.equal(tensor([1, 2]).dtype, 'float32');
    assert.equal(tensor([true, false]).dtype, 'bool');
    assert.deepEqual(tensor([true, false]).toTypedArray(), Uint8Array.from([1, 0]));
    assert.deepEqual(
      tensor(
        [
          [1, 0],
          [0, 1],
        ],
        { dtype: 'bool' },
      ).toArray(),
      [1, 0, 0, 1],
    );
    assert.deepEqual(tensor([0.1], { dtype: 'float64' }).toArray(), [0.1]);
    assert.deepEqual(tensor([-3, 200], { dtype: 'int32' }).toTypedArray(), Int32Array.from([-3, 200]));
    assert.deepEqual(tensor([3, 255], { dtype: 'uint8' }).toTypedArray(), Uint8Array.from([3, 255]));
    // Integers above 2^24 must not pass through float32 on the way in.
    assert.deepEqual(
      tensor([16777217, 2 ** 53 - 1], { dtype: 'int64' }).toTypedArray(),
      BigInt64Array.from([16777217n, 2n ** 53n - 1n]),
    );
    assert.deepEqual(tensor([16777217], { dtype: 'int32' }).toArray(), [16777217]);
    assert.equal(tensor(2.5).ndim, 0);
    assert.equal(tensor(2.5).item(), 2.5);
    assert.deepEqual(tensor([]).shape, [0]);
  });
});

test('float16 and bfloat16: bit patterns, toArray through float32, and creation from raw bits', () => {
  scope(() => {
    const h = tensor([1.5, -2, 65504, 1 / 3], { dtype: 'float16' });
    assert.equal(h.dtype, 'float16');
    assert.deepEqual(Array.from(h.toTypedArray() as Uint16Array), [0x3e00, 0xc000, 0x7bff, 0x3555]);
    assert.deepEqual(h.toArray().slice(0, 3), [1.5, -2, 65504]);
    assert.ok(Math.abs(h.toArray()[3]! - 1 / 3) < 1e-3);
    const b = tensor([1.5, -2, 3e38], { dtype: 'bfloat16' });
    assert.equal(b.dtype, 'bfloat16');
    assert.deepEqual(Array.from(b.toTypedArray() as Uint16Array).slice(0, 2), [0x3fc0, 0xc000]);
    assert.ok(Math.abs(b.toArray()[2]! / 3e38 - 1) < 1e-2, 'bfloat16 keeps float32 range');
    const fromBits = fromTypedArray(Uint16Array.from([0x3c00, 0xbc00]), [2], { dtype: 'float16' });
    assert.deepEqual(fromBits.toArray(), [1, -1]);
    const bfBits = fromTypedArray(Uint16Array.from([0x3f80, 0x4000]), [2], { dtype: 'bfloat16' });
    assert.deepEqual(bfBits.toArray(), [1, 2]);
    assert.deepEqual(h.float().toArray().slice(0, 2), [1.5, -2]);
    assert.equal(ones([2]).half().dtype, 'float16');
  });
});

test('creation functions honour dtype and shape', () => {
  scope(() => {
    for (const dtype of ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'bfloat16'] as DType[]) {
      const z = zeros([2, 3], { dtype });
      assert.equal(z.dtype, dtype);
      assert.deepEqual(z.shape, [2, 3]);
      assert.deepEqual(z.toArray(), [0, 0, 0, 0, 0, 0]);
      assert.deepEqual(ones([2], { dtype }).toArray(), [1, 1]);
    }
    assert.deepEqual(full([2], 7, { dtype: 'int32' }).toArray(), [7, 7]);
    assert.equal(full([2], 0.5).dtype, 'float32');
    assert.equal(arange(5).dtype, 'int64');
    assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.equal(arange(0, 1, 0.25).dtype, 'float32');
    assert.deepEqual(arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
    assert.deepEqual(linspace(0, 1, 5, { dtype: 'float64' }).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(eye(2).toArray(), [1, 0, 0, 1]);
    assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
  });
});

test('type promotion follows PyTorch: int with float gives float, wider wins, division is true division', () => {
  scope(() => {
    const i64 = tensor([1, 2], { dtype: 'int64' });
    const i32 = tensor([1, 2], { dtype: 'int32' });
    const f32 = tensor([0.5, 0.5]);
    const f64 = tensor([0.5, 0.5], { dtype: 'float64' });
    assert.equal(i64.add(f32).dtype, 'float32');
    assert.deepEqual(i64.add(f32).toArray(), [1.5, 2.5]);
    assert.equal(i32.add(i64).dtype, 'int64');
    assert.equal(f32.add(f64).dtype, 'float64');
    assert.equal(tensor([true]).add(tensor([1], { dtype: 'int64' })).dtype, 'int64');
    assert.equal(tensor([1], { dtype: 'uint8' }).add(tensor([1], { dtype: 'int8' })).dtype, 'int16');
    assert.equal(tensor([1], { dtype: 'float16' }).add(f32.narrow(0, 0, 1)).dtype, 'float32');
    // A number keeps the tensor's category: int64 + 1 stays int64, int64 · 0.5 becomes the default float.
    assert.equal(i64.add(1).dtype, 'int64');
    assert.equal(i64.mul(0.5).dtype, 'float32');
    assert.equal(f32.mul(2).dtype, 'float32');
    assert.equal(i64.div(tensor([2, 2], { dtype: 'int64' })).dtype, 'float32');
    assert.deepEqual(i64.div(tensor([2, 2], { dtype: 'int64' })).toArray(), [0.5, 1]);
    assert.equal(i64.lt(f32).dtype, 'bool');
    assert.equal(i64.float().dtype, 'float32');
    assert.equal(f32.long().dtype, 'int64');
    assert.equal(f32.int().dtype, 'int32');
    assert.equal(f32.bool().dtype, 'bool');
    assert.equal(f32.double().dtype, 'float64');
  });
});
