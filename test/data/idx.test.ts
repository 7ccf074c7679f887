import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { isGzip, parseIdx, readIdxFile } from '../../src/data/idx.js';

/** An IDX uint8 file: magic 00 00 08 rank, big-endian dims, then the bytes. */
function idx(dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(head.buffer);
  head.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...head, ...data]);
}

test('parseIdx reads dims (big-endian) and row-major bytes', () => {
  const a = parseIdx(idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]));
  assert.deepEqual(a.dims, [2, 2, 3]);
  assert.deepEqual([...a.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  assert.deepEqual(parseIdx(idx([70000], new Array(70000).fill(7))).dims, [70000]);
});

test('parseIdx rejects bad magic, other element types and truncated files with a fix', () => {
  assert.throws(
    () => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'x.idx'),
    /x\.idx must start with the IDX magic 00 00 <type> <rank>, got 01 02 03 04/,
  );
  const floats = idx([1], [0]);
  floats[2] = 0x0d;
  assert.throws(() => parseIdx(floats, 'f.idx'), /must hold unsigned bytes \(IDX type 0x08\), got type 0xd/);
  assert.throws(
    () => parseIdx(idx([2, 3], [1, 2, 3]), 't.idx'),
    /t\.idx must hold 6 elements for dims \[2, 3\], got 3 — the file is truncated/,
  );
});

test('readIdxFile inflates gzipped files and names missing ones', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-idx-'));
  try {
    const raw = idx([3], [9, 8, 7]);
    const gz = gzipSync(raw);
    assert.ok(isGzip(gz) && !isGzip(raw));
    writeFileSync(path.join(dir, 'a.gz'), gz);
    writeFileSync(path.join(dir, 'b'), raw);
    assert.deepEqual([...readIdxFile(path.join(dir, 'a.gz')).data], [9, 8, 7]);
    assert.deepEqual([...readIdxFile(path.join(dir, 'b')).data], [9, 8, 7]);
    assert.throws(
      () => readIdxFile(path.join(dir, 'missing.gz')),
      /IDX file .*missing\.gz must be readable, got ENOENT/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
