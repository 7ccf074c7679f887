import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { TextToImageModel } from '../../src/models/text-to-image.js';
import { TextToVideoModel } from '../../src/models/text-to-video.js';
import { loadCheckpoint, loadTextToImageCheckpoint, saveCheckpoint } from '../../src/models/checkpoint.js';
import { TINY_T2I, TINY_T2V, maxAbsDiff, perturb, tokens } from './fixtures.js';

torch.setNumThreads(1); // tiny tensors: a second thread only adds synchronisation

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'refract-ckpt-'));
}

function outputs(m: TextToImageModel): torch.Tensor {
  return torch.noGrad(() =>
    torch.scope(() => {
      torch.manualSeed(99);
      return m.forward(torch.randn([2, 3, 16, 16]), torch.tensor([0.25, 0.75]), tokens([[1, 2, 3], [4]], 5));
    }),
  );
}

test('checkpoint round trip (float32): identical outputs, config and extra preserved', () => {
  const dir = tempDir();
  torch.manualSeed(0);
  const m = new TextToImageModel(TINY_T2I);
  perturb(m);
  saveCheckpoint(dir, m, { step: 120, data: 'shapes' });
  const loaded = loadCheckpoint(dir);
  assert.equal(loaded.kind, 'text-to-image');
  assert.deepEqual(loaded.extra, { step: 120, data: 'shapes' });
  assert.deepEqual(loaded.model.config, m.config);
  torch.scope(() => {
    assert.equal(maxAbsDiff(outputs(m), outputs(loaded.model as TextToImageModel)), 0);
  });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.format, 'refract.checkpoint');
  assert.deepEqual(manifest.config, JSON.parse(JSON.stringify(m.config))); // the parsed config: defaults filled in
  m.dispose();
  loaded.model.dispose();
  rmSync(dir, { recursive: true });
});

test('checkpoint round trip (float16): half the bytes, outputs within half-precision rounding', () => {
  const d32 = tempDir();
  const d16 = tempDir();
  torch.manualSeed(1);
  const m = new TextToImageModel(TINY_T2I);
  perturb(m);
  saveCheckpoint(d32, m);
  saveCheckpoint(d16, m, {}, { dtype: 'float16' });
  const size = (d: string): number => statSync(path.join(d, 'model.safetensors')).size;
  assert.ok(size(d16) < 0.6 * size(d32), `${size(d16)} vs ${size(d32)} bytes`);
  const half = loadTextToImageCheckpoint(d16);
  for (const p of half.parameters()) assert.equal(p.dtype, 'float32');
  torch.scope(() => {
    const d = maxAbsDiff(outputs(m), outputs(half));
    assert.ok(d > 0 && d < 1e-2, `|Δ| = ${d}`);
  });
  m.dispose();
  half.dispose();
  rmSync(d32, { recursive: true });
  rmSync(d16, { recursive: true });
});

test('checkpoint: the video model round-trips too', () => {
  const dir = tempDir();
  torch.manualSeed(2);
  const m = new TextToVideoModel(TINY_T2V);
  perturb(m);
  saveCheckpoint(dir, m);
  const loaded = loadCheckpoint(dir);
  assert.equal(loaded.kind, 'text-to-video');
  torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.randn([1, 3, 4, 8, 8]);
      const t = torch.tensor([0.5]);
      const ids = tokens([[3, 4]], 3);
      assert.equal(maxAbsDiff(m.forward(x, t, ids), loaded.model.forward(x, t, ids)), 0);
    }),
  );
  assert.throws(() => loadTextToImageCheckpoint(dir), /kind must be "text-to-image", got "text-to-video"/);
  m.dispose();
  loaded.model.dispose();
  rmSync(dir, { recursive: true });
});

test('loadCheckpoint: a bad config names the field and the file', () => {
  const dir = tempDir();
  const m = new TextToImageModel(TINY_T2I);
  saveCheckpoint(dir, m);
  const file = path.join(dir, 'config.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    config: { unet: Record<string, unknown> };
    version: number;
  };
  manifest.config.unet.groups = 5;
  writeFileSync(file, JSON.stringify(manifest));
  assert.throws(
    () => loadCheckpoint(dir),
    (err: Error) => {
      assert.match(err.message, /config\.json/);
      assert.match(err.message, /field "unet\.groups" must divide every level's channels/);
      return true;
    },
  );
  manifest.config.unet.groups = 4;
  manifest.version = 7;
  writeFileSync(file, JSON.stringify(manifest));
  assert.throws(() => loadCheckpoint(dir), /config\.json\): field "version" must be 1/);
  assert.throws(() => loadCheckpoint(path.join(dir, 'missing')), /config\.json must exist/);
  m.dispose();
  rmSync(dir, { recursive: true });
});

test('loadCheckpoint: weights from a different architecture fail strictly, naming the weights file', () => {
  const dir = tempDir();
  const small = new TextToImageModel(TINY_T2I);
  saveCheckpoint(dir, small);
  const file = path.join(dir, 'config.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { config: { unet: Record<string, unknown> } };
  manifest.config.unet.midSelfAttention = false; // same shapes elsewhere, but the mid self-attention weights are extra
  writeFileSync(file, JSON.stringify(manifest));
  const before = torch.memoryStats().liveTensors;
  assert.throws(() => loadCheckpoint(dir), /model\.safetensors\).*unexpected/s);
  assert.equal(torch.memoryStats().liveTensors, before, 'a failed load frees what it built');
  small.dispose();
  rmSync(dir, { recursive: true });
});
