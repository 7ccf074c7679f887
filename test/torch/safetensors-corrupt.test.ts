// safetensors: every malformed file is refused with a SafetensorsError naming the file and the tensor — never a
// crash, never a wrong tensor, never a leaked native tensor. Checks mirror tensor.rs `read_metadata`/`validate`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { disposeAll, fromBytes, fromTypedArray } from '../../src/torch/index.js';
import {
  SafetensorsError,
  deserializeSafetensors,
  loadSafetensors,
  serializeSafetensors,
} from '../../src/torch/safetensors.js';
import { assertNoLeak, tempDir } from './files.js';

/** A file from a header (object or raw JSON text) and a byte buffer; `n` overrides the length prefix. */
function craft(header: object | string, data: Uint8Array, n?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(n ?? BigInt(json.length));
  return Buffer.concat([prefix, json, data]);
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

/** A valid file: "b" (I64, 16 bytes) first by alignment order, then "a" (F32, 16 bytes). */
function validFile(): Buffer {
  const a = fromTypedArray(Float32Array.from([1, 2, 3, 4]));
  const b = fromTypedArray(BigInt64Array.from([5n, 6n]));
  const buf = serializeSafetensors({ a, b }, { k: 'v' });
  disposeAll([a, b]);
  return buf;
}

function expectError(bytes: Uint8Array, message: RegExp, tensor?: string): void {
  assert.throws(
    () => deserializeSafetensors(bytes, 'x.safetensors'),
    (err: unknown) => {
      assert.ok(err instanceof SafetensorsError, `expected a SafetensorsError, got ${String(err)}`);
      assert.match(err.message, /^safetensors x\.safetensors: /);
      assert.match(err.message, message);
      assert.match(err.message, / — /, 'says what to do');
      assert.equal(err.file, 'x.safetensors');
      assert.equal(err.tensor, tensor);
      return true;
    },
  );
}

test('header length: too short, larger than the file, past the 100 MB limit', () => {
  const good = validFile();
  expectError(good.subarray(0, 5), /file size must be at least 8 bytes, got 5/);
  expectError(good.subarray(0, 20), /header length N must be ≤ 12 \(8 \+ N within the 20-byte file\), got \d+/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(2n ** 64n - 1n, 0);
  expectError(huge, /header length must be at most 100000000 bytes, got 18446744073709551615/);
  expectError(craft('{}', new Uint8Array(0), 1n), /header length must be at least 2/);
});

test('header JSON: invalid UTF-8, invalid JSON, not an object, bad metadata, bad entries', () => {
  expectError(craft('{}', new Uint8Array(0)).fill(0xff, 8), /header must be valid UTF-8, got invalid bytes/);
  expectError(craft('{"a": ', new Uint8Array(0)), /header must be valid JSON, got a parse error/);
  expectError(craft('[1, 2]', new Uint8Array(0)), /header must be a JSON object, got \[1,2\]/);
  expectError(craft({ __metadata__: { a: 1 } }, new Uint8Array(0)), /"__metadata__"\.a must be a string, got 1/);
  expectError(craft({ __metadata__: 'x' }, new Uint8Array(0)), /"__metadata__" must be an object of strings/);
  expectError(craft({ w: 5 }, new Uint8Array(0)), /entry must be an object \{dtype, shape, data_offsets\}, got 5/, 'w');
});

test('entries: unknown dtype, bad shape, bad offsets, wrong byte size', () => {
  const four = new Uint8Array(4);
  const x99 = { ...f32([1], 0, 4), dtype: 'X99' };
  expectError(craft({ w: x99 }, four), /dtype must be one of BOOL, U8, .*got "X99"/, 'w');
  expectError(craft({ w: { ...f32([1], 0, 4), dtype: 'U32' } }, four), /got "U32" — libtorch 1\.13 has no/, 'w');
  expectError(craft({ w: { dtype: 'F32', data_offsets: [0, 4] } }, four), /shape must be an array .*got nothing/, 'w');
  expectError(craft({ w: f32([-1], 0, 4) }, four), /shape must be an array of non-negative integers, got \[-1\]/, 'w');
  expectError(craft({ w: f32([1.5], 0, 4) }, four), /shape must be .*got \[1\.5\]/, 'w');
  expectError(craft({ w: { dtype: 'F32', shape: [1] } }, four), /data_offsets must be \[begin, end\]/, 'w');
  expectError(craft({ w: f32([1], 4, 0) }, four), /data_offsets must be \[begin, end\] with begin ≤ end/, 'w');
  expectError(craft({ w: f32([3], 0, 4) }, four), /span must be numel·itemsize = 12 bytes for F32 \[3\], got 4/, 'w');
  const overflow = f32([2 ** 52, 2 ** 52], 0, 4);
  expectError(craft({ w: overflow }, four), /numel·itemsize = an overflowing size/, 'w');
});

test('offsets: out of range, overlapping, gaps, trailing bytes, truncated data, duplicate names', () => {
  expectError(craft({ w: f32([2], 0, 8) }, new Uint8Array(4)), /data_offsets must be within the 4-byte buffer/, 'w');
  const twelve = new Uint8Array(12);
  expectError(craft({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, twelve), /must be clear of "a", which ends at 8/, 'b');
  expectError(craft({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, twelve), /leaving bytes \[4, 8\) to no tensor/, 'b');
  expectError(craft({ a: f32([1], 0, 4) }, new Uint8Array(8)), /bytes covered by tensors must be the whole 8/);
  const good = validFile();
  expectError(good.subarray(0, good.length - 1), /data_offsets must be within the 31-byte buffer, got \[16, 32\]/, 'a');
  // JSON.parse keeps the last duplicate; the first one's bytes then belong to no tensor.
  const dup = '{"a":' + JSON.stringify(f32([1], 0, 4)) + ',"a":' + JSON.stringify(f32([1], 4, 8)) + '}';
  expectError(craft(dup, new Uint8Array(8)), /leaving bytes \[0, 4\) to no tensor/, 'a');
});

test('BOOL bytes other than 0/1 are refused, and tensors made before the error are freed', () => {
  assertNoLeak(() => {
    const header = { a: f32([1], 0, 4), m: { dtype: 'BOOL', shape: [3], data_offsets: [4, 7] } };
    const data = Uint8Array.from([0, 0, 128, 63, 1, 2, 0]);
    expectError(craft(header, data), /BOOL bytes must be 0 or 1, got 2 at element 1/, 'm');
  });
});

test('files: missing, a folder, truncated on disk — errors name the path', () => {
  const { dir, cleanup } = tempDir();
  const missing = path.join(dir, 'nope.safetensors');
  assert.throws(() => loadSafetensors(missing), {
    name: 'SafetensorsError',
    message: `safetensors ${missing}: file must be readable, got ENOENT — check the path`,
  });
  mkdirSync(path.join(dir, 'folder'));
  assert.throws(() => loadSafetensors(path.join(dir, 'folder')), /folder: path must be a regular file/);
  const cut = path.join(dir, 'cut.safetensors');
  const good = validFile();
  writeFileSync(cut, good.subarray(0, good.length - 3));
  assert.throws(
    () => loadSafetensors(cut),
    (err: unknown) => {
      assert.ok(err instanceof SafetensorsError);
      assert.equal(err.file, cut);
      assert.equal(err.tensor, 'a');
      return true;
    },
  );
  cleanup();
});

test('fuzz: every truncation and 2000 random byte flips either load or throw SafetensorsError', () => {
  const a = fromTypedArray(Float32Array.from([1, -2, 3.5]));
  const m = fromBytes(Uint8Array.from([1, 0, 1]), [3], 'bool');
  const s = fromTypedArray(BigInt64Array.of(9n), []);
  const good = serializeSafetensors({ a, m, s }, { note: 'fuzz' });
  disposeAll([a, m, s]);
  const attempt = (bytes: Buffer): void => {
    try {
      disposeAll(deserializeSafetensors(bytes).tensors);
    } catch (err) {
      assert.ok(err instanceof SafetensorsError, `not a SafetensorsError: ${String(err)}`);
    }
  };
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31; // a fixed LCG: the same flips every run
    return seed % n;
  };
  assertNoLeak(() => {
    for (let len = 0; len < good.length; len++) attempt(good.subarray(0, len));
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(good);
      for (let k = 0; k <= rand(3); k++) bytes[rand(bytes.length)] = rand(256);
      attempt(bytes);
    }
  });
});
