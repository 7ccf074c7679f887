// Helpers for the safetensors and TorchScript tests: fixture paths, temp folders, raw tensor bytes, leaks, and a
// tensor of every dtype.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { fromBytes, fromTypedArray, memoryStats, type DType, type Tensor } from '../../src/torch/index.js';

/** A file under test/fixtures, from test/torch (source) or dist/test/torch (compiled). */
export function fixture(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../fixtures', '../../../test/fixtures']) {
    const candidate = path.resolve(here, up, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`test/fixtures/${name} is missing — regenerate it with the script beside it in test/fixtures`);
}

/** A fresh temp folder and a function that removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The tensor's contiguous element bytes: equal bytes mean bit-exact equal values, NaN payloads included. */
export function bytesOf(t: Tensor): Buffer {
  const a = t.toTypedArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Asserts two tensors have the same dtype, shape and bytes. */
export function assertSameTensor(actual: Tensor | undefined, expected: Tensor, what: string): void {
  assert.ok(actual, `${what}: missing`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.ok(bytesOf(actual).equals(bytesOf(expected)), `${what}: bytes differ`);
}

/** Runs `fn` and asserts it leaves no native tensor alive (it must dispose what it makes). */
export function assertNoLeak(fn: () => void): void {
  const before = memoryStats().liveTensors;
  fn();
  assert.equal(memoryStats().liveTensors, before, 'native tensors leaked');
}

const half = (bits: number[], shape: number[], dtype: DType): Tensor =>
  fromTypedArray(Uint16Array.from(bits), shape, { dtype });

/** One tensor per dtype with edge values (signed zeros, inf, NaN with payload, denormals, extremes), 0-d and empty. */
export function everyDType(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ['f32', fromTypedArray(Float32Array.from([0, -0, 1.5, NaN, Infinity, -Infinity, 1e-45, 3.4e38]), [2, 4])],
    ['f64', fromTypedArray(Float64Array.from([Math.PI, -0, NaN, Number.MIN_VALUE, 1e308]))],
    ['f16', half([0x0000, 0x8000, 0x3c00, 0x7c00, 0xfc00, 0x7e01, 0x0001, 0x7bff], [2, 2, 2], 'float16')],
    ['bf16', half([0x3f80, 0x8000, 0x7f80, 0x7fc1, 0x0001, 0xff7f], [3, 2], 'bfloat16')],
    ['i64', fromTypedArray(BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]), [2, 2])],
    ['i32', fromTypedArray(Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0]))],
    ['i16', fromTypedArray(Int16Array.from([-32768, 32767, -1]))],
    ['i8', fromTypedArray(Int8Array.from([-128, 127, 0, -1]))],
    ['u8', fromTypedArray(Uint8Array.from([0, 255, 128]))],
    ['bool', fromBytes(Uint8Array.from([1, 0, 0, 1, 1]), [5], 'bool')],
    ['scalar.f32', fromBytes(new Uint8Array(Float32Array.of(2.5).buffer), [], 'float32')],
    ['scalar.i64', fromBytes(new Uint8Array(BigInt64Array.of(-7n).buffer), [], 'int64')],
    ['empty.f32', fromTypedArray(new Float32Array(0), [0, 3])],
    ['empty.i64', fromTypedArray(new BigInt64Array(0), [2, 0, 4])],
    ['empty.bool', fromBytes(new Uint8Array(0), [0], 'bool')],
  ]);
}
