// safetensors: exact round trips for every dtype, the byte layout against the spec and the reference writer's own
// test vectors, the state-dict helpers and fp16 saving. Python interop: safetensors-python.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { disposeAll, fromTypedArray, Generator, randn, type Tensor } from '../../src/torch/index.js';
import {
  deserializeSafetensors,
  loadSafetensors,
  loadStateDictFile,
  readSafetensorsHeader,
  saveSafetensors,
  saveStateDict,
  serializeSafetensors,
} from '../../src/torch/safetensors.js';
import { assertNoLeak, assertSameTensor, bytesOf, everyDType, tempDir } from './files.js';

test('round trip is exact for every dtype, 0-d and empty tensors (buffer and file)', () => {
  const { dir, cleanup } = tempDir();
  assertNoLeak(() => {
    const src = everyDType();
    const meta = { note: 'ünïcode ✓', empty: '' };
    const fromBuffer = deserializeSafetensors(serializeSafetensors(src, meta));
    const file = path.join(dir, 'all.safetensors');
    saveSafetensors(file, src, meta);
    const fromFile = loadSafetensors(file);
    for (const loaded of [fromBuffer, fromFile]) {
      assert.deepEqual([...loaded.tensors.keys()].sort(), [...src.keys()].sort());
      for (const [name, t] of src) assertSameTensor(loaded.tensors.get(name), t, name);
      assert.deepEqual(loaded.metadata, meta);
    }
    disposeAll([src, fromBuffer.tensors, fromFile.tensors]);
  });
  cleanup();
});

test('a Record works like a Map; non-contiguous and grad-tracking tensors save their values', () => {
  assertNoLeak(() => {
    const base = fromTypedArray(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const transposed = base.t(); // strides [1, 3]: saved as its contiguous values
    const leaf = fromTypedArray(Float32Array.from([0.5, -1]), [2]).requiresGrad_();
    const loaded = deserializeSafetensors(serializeSafetensors({ transposed, leaf })).tensors;
    assert.deepEqual(loaded.get('transposed')!.tolist(), [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    assert.deepEqual(loaded.get('leaf')!.toArray(), [0.5, -1]);
    assert.equal(loaded.get('leaf')!.requiresGrad, false);
    disposeAll([base, transposed, leaf, loaded]);
  });
});

test('state dict → safetensors → state dict is bit-exact and tagged format=pt', () => {
  const { dir, cleanup } = tempDir();
  assertNoLeak(() => {
    const g = new Generator(7);
    const sd = new Map<string, Tensor>([
      ['conv.weight', randn([4, 3, 3, 3], { generator: g })],
      ['conv.bias', randn([4], { generator: g })],
      ['head.weight', randn([1, 4], { generator: g, dtype: 'float64' })],
      ['step', fromTypedArray(BigInt64Array.of(1234n), [])],
    ]);
    g.dispose();
    const file = path.join(dir, 'model.safetensors');
    saveStateDict(file, sd, { metadata: { run: 'r1' } });
    const back = loadStateDictFile(file);
    assert.equal(back.size, sd.size);
    for (const [name, t] of sd) assertSameTensor(back.get(name), t, name);
    assert.deepEqual(readSafetensorsHeader(file).metadata, { format: 'pt', run: 'r1' });
    disposeAll([sd, back]);
  });
  cleanup();
});

test('byte layout follows the spec: u64 N, space-padded JSON, 8-aligned buffer, contiguous aligned offsets', () => {
  assertNoLeak(() => {
    const src = everyDType();
    const buf = serializeSafetensors(src, { b: '2', a: '1' });
    const n = Number(buf.readBigUInt64LE(0));
    assert.equal(n % 8, 0, 'header length is a multiple of 8');
    const text = buf.subarray(8, 8 + n).toString('utf8');
    const json = text.trimEnd();
    assert.ok(/^ *$/.test(text.slice(json.length)), 'padding is spaces only');
    assert.ok(text.length - json.length < 8, 'padding is under 8 bytes');
    const header = JSON.parse(json) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
    const keys = Object.keys(header);
    assert.equal(keys[0], '__metadata__');
    assert.deepEqual(Object.keys(header['__metadata__']!), ['a', 'b'], 'metadata keys sorted');
    const names = keys.slice(1);
    // tensor.rs `prepare`: descending dtype alignment (its enum order), then name; offsets in that order.
    const rank: Record<string, number> = {
      BOOL: 0,
      U8: 1,
      I8: 2,
      I16: 5,
      F16: 7,
      BF16: 8,
      I32: 9,
      F32: 11,
      F64: 12,
      I64: 13,
    };
    const byRank = (a: string, b: string): number => rank[header[b]!.dtype]! - rank[header[a]!.dtype]!;
    const sorted = [...names].sort((a, b) => byRank(a, b) || (a < b ? -1 : 1));
    assert.deepEqual(names, sorted);
    const data = buf.subarray(8 + n);
    const itemsize: Record<string, number> = {
      BOOL: 1,
      U8: 1,
      I8: 1,
      I16: 2,
      F16: 2,
      BF16: 2,
      I32: 4,
      F32: 4,
      F64: 8,
      I64: 8,
    };
    let cursor = 0;
    for (const name of names) {
      const {
        dtype,
        shape,
        data_offsets: [begin, end],
      } = header[name]!;
      const t = src.get(name)!;
      assert.deepEqual(shape, t.shape, `${name} shape`);
      assert.equal(begin, cursor, `${name} starts where the previous tensor ends`);
      assert.equal(begin! % itemsize[dtype]!, 0, `${name} offset aligned to its itemsize`);
      assert.equal(end! - begin!, t.numel() * itemsize[dtype]!, `${name} byte size`);
      assert.ok(data.subarray(begin, end).equals(bytesOf(t)), `${name} bytes at its offsets`);
      cursor = end!;
    }
    assert.equal(cursor, data.length, 'tensors cover the buffer exactly');
    disposeAll(src);
  });
});

test('matches the reference implementation byte for byte (safetensors/src/tensor.rs test vectors)', () => {
  // test_empty: no tensors -> "{}" padded to 8; with metadata {"framework": "pt"} -> 40-byte header.
  const spaces = (k: number): number[] => Array<number>(k).fill(0x20);
  const ascii = (s: string): number[] => [...Buffer.from(s)];
  assert.deepEqual([...serializeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}'), ...spaces(6)]);
  const withMeta = [40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}'), ...spaces(5)];
  assert.deepEqual([...serializeSafetensors({}, { framework: 'pt' })], withMeta);
  // test_serialization_forced_alignement: "attn0" F32 [1, 1, 2, 3] holding 0..5 -> 7 spaces of padding.
  assertNoLeak(() => {
    const attn0 = fromTypedArray(Float32Array.from([0, 1, 2, 3, 4, 5]), [1, 1, 2, 3]);
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    const expected = Buffer.concat([
      Buffer.from([72, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from(json + ' '.repeat(7)),
      Buffer.from(Float32Array.from([0, 1, 2, 3, 4, 5]).buffer),
    ]);
    assert.ok(serializeSafetensors({ attn0 }).equals(expected));
    attn0.dispose();
  });
});

test('names that JS objects reorder or misread ("10", "2", "__proto__") keep buffer order in the JSON', () => {
  assertNoLeak(() => {
    const names = ['a', '__proto__', '2', '10'];
    const src = new Map(names.map((n, i) => [n, fromTypedArray(Float32Array.of(i))]));
    const meta = JSON.parse('{"7": "x", "__proto__": "y"}') as Record<string, string>; // own "__proto__" key
    const buf = serializeSafetensors(src, meta);
    const text = buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString('utf8');
    const listed = [...text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    assert.deepEqual(listed, ['10', '2', '__proto__', 'a'], 'UTF-8 name order, as tensor.rs sorts');
    const loaded = deserializeSafetensors(buf);
    assert.deepEqual([...loaded.tensors.keys()], ['10', '2', '__proto__', 'a']);
    for (const [name, t] of src) assertSameTensor(loaded.tensors.get(name), t, name);
    assert.deepEqual(Object.entries(loaded.metadata).sort(), [
      ['7', 'x'],
      ['__proto__', 'y'],
    ]);
    disposeAll([src, loaded.tensors]);
  });
});

test('dtype: float16 converts float tensors only, bit-exact to .half(), and refuses overflow atomically', () => {
  const { dir, cleanup } = tempDir();
  assertNoLeak(() => {
    const w = fromTypedArray(Float32Array.from([0.1, -2.5, 65504, 1e-8]), [2, 2]);
    const d = fromTypedArray(Float64Array.from([1 / 3]));
    const ids = fromTypedArray(BigInt64Array.of(5n, 6n));
    const file = path.join(dir, 'small.safetensors');
    saveSafetensors(file, { w, d, ids }, {}, { dtype: 'float16' });
    const { tensors } = loadSafetensors(file);
    const [wh, dh] = [w.half(), d.half()];
    assertSameTensor(tensors.get('w'), wh, 'w');
    assertSameTensor(tensors.get('d'), dh, 'd');
    assertSameTensor(tensors.get('ids'), ids, 'ids');
    const before = readFileSync(file);
    const big = fromTypedArray(Float32Array.from([1, 7e4]));
    assert.throws(() => saveSafetensors(file, { w, big }, {}, { dtype: 'float16' }), {
      name: 'SafetensorsError',
      message: /tensor "big": values must fit in float16, got 1 finite values that overflow to ±inf/,
    });
    assert.ok(readFileSync(file).equals(before), 'a failed save leaves the old file untouched');
    assert.deepEqual(readdirSync(dir), ['small.safetensors'], 'no temp file left behind');
    disposeAll([w, d, ids, big, wh, dh, tensors]);
  });
  cleanup();
});

test('saving refuses reserved names, disposed tensors, non-string metadata and missing folders', () => {
  const { dir, cleanup } = tempDir();
  assertNoLeak(() => {
    const x = fromTypedArray(Float32Array.of(1));
    const gone = fromTypedArray(Float32Array.of(2));
    gone.dispose();
    const meta = { n: 3 } as unknown as Record<string, string>;
    const cases: [() => unknown, RegExp][] = [
      [() => serializeSafetensors({ __metadata__: x }), /tensor "__metadata__": name must be anything but/],
      [() => serializeSafetensors({ gone }), /tensor "gone": value must be a live Tensor, got a disposed Tensor/],
      [() => serializeSafetensors({ x }, meta), /metadata\.n must be a string, got number/],
      [
        () => saveSafetensors(path.join(dir, 'no/such/dir/x.safetensors'), { x }),
        /folder .* must exist and be writable, got ENOENT/,
      ],
    ];
    for (const [fn, message] of cases) assert.throws(fn, { name: 'SafetensorsError', message });
    x.dispose();
  });
  assert.deepEqual(readdirSync(dir), [], 'no temp file left behind');
  cleanup();
});
