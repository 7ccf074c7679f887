// Loads test/fixtures/ops_ref.json (written by test/fixtures/make_ops_ref.py from Python PyTorch) and turns its
// records back into tensors, so a test can compute the same op on the same numbers and compare.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { fromTypedArray, type DType, type Tensor } from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';

/** A tensor as the fixture stores it: flat data (bools as 0/1, int64 as numbers), shape and dtype name. */
export interface TensorRecord {
  shape: number[];
  dtype: DType;
  data: number[];
}

export interface OpCase {
  inputs: Record<string, TensorRecord>;
  outputs: TensorRecord[];
}

export interface OpsRef {
  meta: { torch: string; script: string };
  ops: Record<string, OpCase>;
  indexing: Record<string, TensorRecord> & { cases: Record<string, TensorRecord> };
  random: Record<string, TensorRecord>;
}

function fixturePath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/test/torch (compiled) or test/torch (run from source): the fixture stays in the source tree.
  for (const up of ['../fixtures', '../../../test/fixtures']) {
    const candidate = path.resolve(here, up, 'ops_ref.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('test/fixtures/ops_ref.json is missing — run `/usr/bin/python3 test/fixtures/make_ops_ref.py`');
}

let cached: OpsRef | undefined;

export function loadRef(): OpsRef {
  if (!cached) {
    const parsed = JSON.parse(readFileSync(fixturePath(), 'utf8')) as unknown;
    assert.ok(typeof parsed === 'object' && parsed !== null && 'ops' in parsed, 'ops_ref.json has no "ops"');
    cached = parsed as OpsRef;
  }
  return cached;
}

/** Rebuilds a fixture record as a tensor of the same dtype and shape. */
export function fromRecord(r: TensorRecord): Tensor {
  switch (r.dtype) {
    case 'float64':
      return fromTypedArray(Float64Array.from(r.data), r.shape);
    case 'float32':
      return fromTypedArray(Float32Array.from(r.data), r.shape);
    case 'int64':
      return fromTypedArray(
        BigInt64Array.from(r.data, (v) => BigInt(v)),
        r.shape,
      );
    case 'bool':
      return fromTypedArray(Uint8Array.from(r.data), r.shape, { dtype: 'bool' });
    default:
      return fromTypedArray(Float64Array.from(r.data), r.shape, { dtype: r.dtype });
  }
}

/** Asserts `actual` has the record's shape and dtype and values within tolerance. */
export function assertMatchesRecord(
  actual: Tensor,
  expected: TensorRecord,
  what: string,
  atol = 1e-10,
  rtol = 1e-9,
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assertClose(actual.toArray(), expected.data, atol, rtol, what);
}
