// Property-based tests of the safetensors reader (issue #12 §5): arbitrary bytes, headers with arbitrary lengths,
// dtypes, shapes and offsets, and valid files with flipped or cut bytes are either read exactly or refused with a
// SafetensorsError — never a crash, a hang, a huge message or an allocation beyond the input; no native tensor leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { disposeAll, fromBytes, memoryStats, type DType } from '../../src/torch/index.js';
import { SafetensorsError, deserializeSafetensors, serializeSafetensors } from '../../src/torch/safetensors.js';
import { RUNS, clean } from './clean.js';

const NAMES = ['BOOL', 'U8', 'I8', 'I16', 'F16', 'BF16', 'I32', 'F32', 'F64', 'I64'];
const SIZE: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, I16: 2, F16: 2, BF16: 2, I32: 4, F32: 4, F64: 8, I64: 8 };
const DTYPE: Record<string, DType> = { BOOL: 'bool', U8: 'uint8', I8: 'int8', I16: 'int16', F16: 'float16', BF16: 'bfloat16', I32: 'int32', F32: 'float32', F64: 'float64', I64: 'int64' };

/** Reads `bytes`; a result is disposed; an error must be a SafetensorsError. Returns whether it was read. */
function read(bytes: Uint8Array): boolean {
  const before = memoryStats().liveTensors;
  const r = clean(() => deserializeSafetensors(bytes, 'fuzz.safetensors'), (e) => e instanceof SafetensorsError, /^safetensors fuzz\.safetensors: /);
  if (r.ok) {
    let total = 0;
    for (const t of r.value.tensors.values()) total += t.numel() * (SIZE[NAMES.find((n) => DTYPE[n] === t.dtype)!] ?? 1);
    assert.ok(total <= bytes.length, 'the tensors hold no more bytes than the file');
    disposeAll(r.value.tensors);
  }
  assert.equal(memoryStats().liveTensors, before, 'no native tensor leaks');
  return r.ok;
}

function file(prefixN: bigint, json: string, data: Uint8Array): Uint8Array {
  const j = Buffer.from(json, 'utf8');
  const p = Buffer.alloc(8);
  p.writeBigUInt64LE(prefixN);
  return Buffer.concat([p, j, data]);
}

const count = fc.oneof(fc.nat(16), fc.integer({ min: -3, max: 3 }), fc.constantFrom(2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e300, 0.5, -0));
const entry = fc.record(
  {
    dtype: fc.oneof(fc.constantFrom(...NAMES, 'U16', 'F8_E4M3', 'f32', ''), fc.string({ maxLength: 6 }), fc.integer()),
    shape: fc.oneof(fc.array(count, { maxLength: 4 }), fc.anything({ maxDepth: 1 })),
    data_offsets: fc.oneof(fc.array(count, { minLength: 2, maxLength: 2 }), fc.array(count, { maxLength: 3 }), fc.anything({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);
const header = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__metadata__', '__proto__', 'constructor')), fc.oneof(entry, fc.anything({ maxDepth: 2 })), { maxKeys: 4 });

test('arbitrary bytes are read or refused with a SafetensorsError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void read(bytes)), { numRuns: RUNS });
});

test('arbitrary headers (dtypes, shapes, offsets, length prefixes) never crash, hang or over-allocate', () => {
  const prefix = (json: string) =>
    fc.oneof(fc.constant(BigInt(Buffer.byteLength(json))), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 2n, 100_000_001n, 2n ** 63n));
  const arb = fc.tuple(header, fc.uint8Array({ maxLength: 64 })).chain(([h, data]) => {
    const json = JSON.stringify(h);
    return fc.tuple(fc.constant(json), prefix(json), fc.constant(data));
  });
  fc.assert(fc.property(arb, ([json, n, data]) => void read(file(n, json, data))), { numRuns: RUNS });
});

test('headers whose offsets tile the buffer exactly are read with the declared dtypes and shapes', () => {
  const spec = fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }), dtype: fc.constantFrom(...NAMES), shape: fc.array(fc.nat(3), { maxLength: 3 }) }), { maxLength: 4 });
  fc.assert(
    fc.property(spec, (items) => {
      const unique = [...new Map(items.filter((i) => i.name !== '__metadata__').map((i) => [i.name, i])).values()];
      let offset = 0;
      const h: Record<string, unknown> = {};
      for (const i of unique) {
        const n = i.shape.reduce((a, b) => a * b, 1) * SIZE[i.dtype]!;
        h[i.name] = { dtype: i.dtype, shape: i.shape, data_offsets: [offset, offset + n] };
        offset += n;
      }
      const json = JSON.stringify(h);
      const bytes = file(BigInt(Buffer.byteLength(json)), json, new Uint8Array(offset)); // zeros: valid for every dtype
      const r = deserializeSafetensors(bytes, 'fuzz.safetensors');
      try {
        for (const i of unique) {
          const t = r.tensors.get(i.name);
          assert.ok(t, i.name);
          assert.equal(t.dtype, DTYPE[i.dtype]);
          assert.deepEqual(t.shape, i.shape);
        }
      } finally {
        disposeAll(r.tensors);
      }
    }),
    { numRuns: RUNS },
  );
});

test('a valid file with flipped or cut bytes is read exactly or refused', () => {
  const a = fromBytes(Uint8Array.from({ length: 24 }, (_, i) => i), [2, 3], 'float32');
  const b = fromBytes(Uint8Array.from([1, 0, 1]), [3], 'bool');
  const good = serializeSafetensors({ a, b }, { note: 'x' });
  disposeAll([a, b]);
  const mutation = fc.oneof(
    fc.record({ cut: fc.nat(good.length) }),
    fc.record({ at: fc.nat(good.length - 1), byte: fc.integer({ min: 0, max: 255 }) }),
  );
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      let bytes = Buffer.from(good);
      for (const m of ms) {
        if ('cut' in m) bytes = bytes.subarray(0, m.cut);
        else if (m.at < bytes.length) bytes[m.at] = m.byte;
      }
      read(bytes);
    }),
    { numRuns: RUNS },
  );
});
