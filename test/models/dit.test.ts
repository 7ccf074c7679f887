// The layout-capable Shapes architectures of issue #10: the flow transformer (MMDiT-style) and the U-Net with
// position codes in attention and coordinate channels. Formulas against closed forms; structure; checkpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { TextToImageModel, imageGeometry, SHAPES_TEXT_TO_IMAGE_CONFIG } from '../../src/models/text-to-image.js';
import { FlowTransformer } from '../../src/models/dit.js';
import { sinCos2d, coordinateChannels } from '../../src/models/position-embedding.js';
import { loadTextToImageCheckpoint, saveCheckpoint } from '../../src/models/checkpoint.js';
import { architectureOf } from '../../src/pretrain/loop.js';
import { TINY_DIT_T2I, TINY_T2I, maxAbs, maxAbsDiff, perturb, tokens } from './fixtures.js';

torch.setNumThreads(1);

function inputs(): { x: torch.Tensor; t: torch.Tensor; tok: torch.Tensor } {
  torch.manualSeed(7);
  return { x: torch.randn([2, 3, 16, 16]), t: torch.tensor([0.3, 0.8]), tok: tokens([[1, 2, 3], [4, 5]], 5) };
}

test('sinCos2d: row codes then column codes, each [sin(p·ω_i), cos(p·ω_i)] with ω_i = 10000^(−i/(D/4))', () => {
  const rows = 3;
  const cols = 5;
  const dim = 8;
  const got = torch.scope(() => sinCos2d(rows, cols, dim).toArray());
  const quarter = dim / 4;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const want: number[] = [];
      for (const p of [r, c]) {
        const w = Array.from({ length: quarter }, (_, i) => Math.pow(10000, -i / quarter));
        want.push(...w.map((x) => Math.sin(p * x)), ...w.map((x) => Math.cos(p * x)));
      }
      const at = (r * cols + c) * dim;
      want.forEach((v, k) => assert.ok(Math.abs(got[at + k]! - v) < 1e-6, `(${r},${c})[${k}]: ${got[at + k]} vs ${v}`));
    }
  }
  assert.throws(() => sinCos2d(2, 2, 6), /dim must be a multiple of 4, got 6/);
});

test('coordinateChannels: x then y, each from −1 to 1', () => {
  const got = torch.scope(() => coordinateChannels(2, 3).toArray());
  assert.deepEqual([...got], [-1, 0, 1, -1, 0, 1, -1, -1, -1, 1, 1, 1]);
});

test('FlowTransformer: zero-initialised output, shape kept, every parameter reached by the gradient', () => {
  const m = new TextToImageModel(TINY_DIT_T2I);
  assert.ok(m.backbone instanceof FlowTransformer);
  const { x, t, tok } = inputs();
  const before = torch.memoryStats().liveTensors;
  torch.scope(() => {
    const out = m.forward(x, t, tok);
    assert.deepEqual(out.shape, [2, 3, 16, 16]);
    assert.equal(maxAbs(out), 0); // adaLN-Zero + zero final projection: the untrained model predicts exactly 0
  });
  perturb(m, 0.05);
  torch.scope(() => {
    m.zeroGrad();
    m.forward(x, t, tok).pow(2).mean().backward();
    for (const [name, p] of m.backbone.namedParameters()) {
      assert.ok(p.grad !== null && maxAbs(p.grad) > 0, `no gradient reaches backbone.${name}`);
    }
  });
  m.zeroGrad();
  assert.equal(torch.memoryStats().liveTensors, before);
  assert.deepEqual(m.sampleShape, [3, 16, 16]);
  assert.deepEqual(imageGeometry(m.config), { channels: 3, size: 16 });
  torch.disposeAll([x, t, tok]);
  m.dispose();
});

test('FlowTransformer: the output at a token depends on where it is (positions), and trailing pads change nothing', () => {
  const m = new TextToImageModel(TINY_DIT_T2I);
  perturb(m, 0.1);
  torch.noGrad(() =>
    torch.scope(() => {
      // A constant image: every patch is the same, so only the position codes can make the outputs differ.
      const x = torch.ones([1, 3, 16, 16]).mul(0.5);
      const t = torch.tensor([0.5]);
      const out = m.forward(x, t, tokens([[1, 2]], 3));
      const a = out.narrow(2, 0, 4).narrow(3, 0, 4);
      const b = out.narrow(2, 12, 4).narrow(3, 12, 4);
      assert.ok(maxAbsDiff(a, b) > 1e-4, 'corner patches of a constant image must differ');
      const padded = m.forward(x, t, tokens([[1, 2]], 6));
      assert.ok(maxAbsDiff(out, padded) < 1e-5, 'extra pad tokens must be masked out');
    }),
  );
  m.dispose();
});

test('FlowTransformer checkpoints round-trip; the position codes are not saved', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-dit-'));
  try {
    const m = new TextToImageModel(TINY_DIT_T2I);
    perturb(m);
    saveCheckpoint(dir, m);
    const keys = [...m.stateDict().keys()];
    assert.ok(!keys.some((k) => k.endsWith('positions')), 'position codes are fixed, not state');
    const back = loadTextToImageCheckpoint(dir);
    assert.ok('dit' in back.config);
    const { x, t, tok } = inputs();
    torch.noGrad(() => torch.scope(() => assert.equal(maxAbsDiff(m.forward(x, t, tok), back.forward(x, t, tok)), 0)));
    torch.disposeAll([x, t, tok]);
    m.dispose();
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('U-Net candidate (a): positions change the attention output, coordinate channels widen convIn', () => {
  const plain = { ...(TINY_T2I as { unet: object }).unet };
  const cfg = { encoder: TINY_T2I.encoder, unet: { ...plain, positionalAttention: true, coordinateChannels: true } };
  torch.manualSeed(3);
  const a = new TextToImageModel(cfg as typeof TINY_T2I);
  torch.manualSeed(3);
  const b = new TextToImageModel(TINY_T2I);
  const conv = (m: TextToImageModel) => m.stateDict().get('backbone.core.convIn.weight')!.shape;
  assert.deepEqual(conv(a), [16, 5, 3, 3]);
  assert.deepEqual(conv(b), [16, 3, 3, 3]);
  assert.equal(a.numParameters().total - b.numParameters().total, 16 * 2 * 9); // only the 2 extra input channels
  perturb(a);
  torch.noGrad(() =>
    torch.scope(() => {
      const out = a.forward(torch.ones([1, 3, 16, 16]).mul(0.5), torch.tensor([0.5]), tokens([[1]], 2));
      assert.ok(maxAbs(out) > 0);
    }),
  );
  a.dispose();
  b.dispose();
});

test('the first Shapes base still loads (U-Net, no position options) and its config defaults them off', () => {
  const m = loadTextToImageCheckpoint('assets/base/shapes-unet-v1');
  assert.ok('unet' in m.config);
  if ('unet' in m.config) {
    assert.equal(m.config.unet.positionalAttention, false);
    assert.equal(m.config.unet.coordinateChannels, false);
  }
  assert.deepEqual(m.sampleShape, [3, 32, 32]);
  m.dispose();
});

test('architectureOf: naming `dit` replaces the testbed default U-Net, fitted to its images and prompt width', () => {
  const arch = architectureOf(SHAPES_TEXT_TO_IMAGE_CONFIG, { dit: { dim: 96, depth: 4 } }) as Record<string, Record<string, unknown>>;
  assert.equal('unet' in arch, false);
  assert.equal(arch.dit!.dim, 96);
  assert.equal(arch.dit!.imageSize, 32);
  assert.equal(arch.dit!.contextDim, 128);
  const unet = architectureOf(SHAPES_TEXT_TO_IMAGE_CONFIG, { unet: { baseChannels: 16 } }) as Record<string, Record<string, unknown>>;
  assert.equal(unet.unet!.baseChannels, 16);
  assert.equal('dit' in unet, false);
});
