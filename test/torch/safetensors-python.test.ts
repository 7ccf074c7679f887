// safetensors interop with Python: our reader on a file written by hand in Python (make_safetensors.py), and an
// independent strict Python reader (check_safetensors.py) on files Refract writes — the latter only where
// /usr/bin/python3 exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { disposeAll } from '../../src/torch/index.js';
import { loadSafetensors, saveStateDict } from '../../src/torch/safetensors.js';
import { assertNoLeak, everyDType, fixture, tempDir } from './files.js';

type PyValue = number | string | boolean | null;

interface PyExpected {
  metadata: Record<string, string>;
  order: string[];
  tensors: Record<string, { dtype: string; shape: number[]; values: PyValue[]; bits?: number[] }>;
}

test('reads the file written by hand in Python (test/fixtures/make_safetensors.py)', () => {
  const expected = JSON.parse(readFileSync(fixture('py_written.json'), 'utf8')) as PyExpected;
  assertNoLeak(() => {
    const { tensors, metadata } = loadSafetensors(fixture('py_written.safetensors'));
    assert.deepEqual(metadata, expected.metadata);
    assert.deepEqual([...tensors.keys()], expected.order, 'file (offset) order');
    for (const [name, e] of Object.entries(expected.tensors)) {
      const t = tensors.get(name)!;
      assert.deepEqual(t.shape, e.shape, `${name} shape`);
      const a = t.toTypedArray();
      if (e.bits) assert.deepEqual([...a], e.bits, `${name} bits`);
      else if (e.dtype === 'BOOL')
        assert.deepEqual(
          [...a].map((v) => v === 1),
          e.values,
          name,
        );
      else if (a instanceof BigInt64Array || typeof e.values[0] === 'string') {
        assert.deepEqual([...a].map(String), e.values, name);
      } else assert.deepEqual([...a], e.values, name);
    }
    disposeAll(tensors);
  });
});

const PYTHON = '/usr/bin/python3';

test('an independent Python reader accepts what Refract writes (check_safetensors.py)', (t) => {
  if (!existsSync(PYTHON)) {
    t.skip(`${PYTHON} not found: the Python cross-check is optional`);
    return;
  }
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'refract.safetensors');
  const src = everyDType();
  saveStateDict(file, src, { metadata: { note: 'ünïcode ✓' } });
  const run = spawnSync(PYTHON, [fixture('check_safetensors.py'), file], { encoding: 'utf8' });
  cleanup();
  assert.equal(run.status, 0, `check_safetensors.py failed: ${run.stderr}`);
  type Checked = { dtype: string; shape: number[]; sum: number | string };
  const out = JSON.parse(run.stdout) as { metadata: Record<string, string>; tensors: Record<string, Checked> };
  assert.deepEqual(out.metadata, { format: 'pt', note: 'ünïcode ✓' });
  assert.deepEqual(Object.keys(out.tensors).sort(), [...src.keys()].sort());
  for (const [name, tensor] of src) {
    const got = out.tensors[name]!;
    assert.deepEqual(got.shape, tensor.shape, `${name} shape`);
    const values = tensor.dtype === 'int64' ? [...(tensor.toTypedArray() as BigInt64Array)] : tensor.toArray();
    if (typeof got.sum === 'string') {
      assert.equal(got.sum, String(values.reduce<bigint>((s, v) => s + BigInt(v), 0n)), `${name} sum`);
    } else {
      const finite = (values as number[]).filter(Number.isFinite);
      const sum = finite.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(got.sum - sum) <= 1e-9 * Math.max(1, Math.abs(sum)), `${name} sum ${got.sum} vs ${sum}`);
    }
  }
  disposeAll(src);
});
