// File helpers for the safetensors and TorchScript tests: fixture paths, temp folders, raw tensor bytes, leaks.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { memoryStats, type Tensor } from '../../src/torch/index.js';

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
