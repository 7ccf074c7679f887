// The auxiliary grounding loss (src/pretrain/grounding.ts) against its formula in float64, and a Shapes pretraining
// run with it: the heads train, are checkpointed, resume exactly, and stay out of the exported model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { GroundingHeads, groundingLoss } from '../../src/pretrain/grounding.js';
import { IGNORE_COLOR, type GroundingArrays } from '../../src/data/shapes/grounding.js';
import { COLORS } from '../../src/data/shapes/types.js';
import { setupPretrain, runPretrain, emaModel } from '../../src/pretrain/loop.js';
import { parsePretrainConfig } from '../../src/pretrain/config.js';
import { tinyModel } from './fixtures.js';

torch.setNumThreads(1);

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}

test('groundingLoss: masked squared error of the box centres and cross-entropy of the named colours', () => {
  const b = 3;
  const s = 5;
  const d = 4;
  const heads = new GroundingHeads(d);
  const ctx = torch.randn([b, s, d]);
  const targets: GroundingArrays = {
    nounIndex: Int32Array.from([1, 3, 2, 4, 0, 0]),
    position: Float32Array.from([-0.5, 0.1, 0.6, 0.2, 0.3, -0.4, -0.2, 0.5, 0, 0, 0, 0]),
    positionMask: Float32Array.from([1, 1, 0, 0, 0, 0]),
    color: Int32Array.from([2, IGNORE_COLOR, 0, 5, IGNORE_COLOR, IGNORE_COLOR]),
  };
  const got = groundingLoss(ctx, targets, heads);
  const flat = ctx.toArray();
  const rows = (xs: number[], width: number) => Array.from({ length: xs.length / width }, (_, r) => xs.slice(r * width, (r + 1) * width));
  const c = rows(flat, s * d).map((sample) => rows(sample, d));
  const lin = (w: number[][], bias: number[], x: number[]) => w.map((row, o) => row.reduce((a, v, i) => a + v * x[i]!, bias[o]!));
  const wp = rows(heads.position.weight.toArray(), d);
  const bp = heads.position.bias!.toArray();
  const wc = rows(heads.color.weight.toArray(), d);
  const bc = heads.color.bias!.toArray();
  let se = 0;
  let slots = 0;
  let ce = 0;
  let named = 0;
  for (let i = 0; i < b; i++) {
    for (let k = 0; k < 2; k++) {
      const noun = c[i]![targets.nounIndex[i * 2 + k]!]!;
      if (targets.positionMask[i * 2 + k] === 1) {
        const p = lin(wp, bp, noun);
        se += (p[0]! - targets.position[i * 4 + k * 2]!) ** 2 + (p[1]! - targets.position[i * 4 + k * 2 + 1]!) ** 2;
        slots++;
      }
      const col = targets.color[i * 2 + k]!;
      if (col !== IGNORE_COLOR) {
        const z = lin(wc, bc, noun);
        ce += logSumExp(z) - z[col]!;
        named++;
      }
    }
  }
  assert.equal(wc.length, COLORS.length);
  assert.ok(Math.abs(got.position.item() - se / slots) < 1e-5, `position ${got.position.item()} vs ${se / slots}`);
  assert.ok(Math.abs(got.color.item() - ce / named) < 1e-5, `color ${got.color.item()} vs ${ce / named}`);
  const none = groundingLoss(ctx, { ...targets, positionMask: new Float32Array(6), color: new Int32Array(6).fill(IGNORE_COLOR) }, heads);
  assert.equal(Math.abs(none.position.item()), 0);
  assert.equal(Math.abs(none.color.item()), 0);
  for (const t of [ctx, got.position, got.color, none.position, none.color]) t.dispose();
  heads.dispose();
});

test('pretrain with grounding: heads train, resume exactly, and are not part of the exported model', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'refract-grounding-'));
  const config = (dir: string) =>
    parsePretrainConfig({
      seed: 4,
      testbed: 'shapes',
      model: tinyModel('shapes'),
      data: { heldOut: 'none', categoryWeights: { position: 1, color_attr: 1 } },
      training: { steps: 3, batchSize: 8, warmupSteps: 1, condDropout: 0, grounding: { position: 1, color: 0.5 } },
      checkpoint: { dir, every: 1, keep: 1 },
    });
  try {
    const whole = config(path.join(root, 'whole'));
    const a = setupPretrain(whole, false);
    assert.ok(a.grounding !== null);
    const before = a.grounding.position.weight.toTypedArray().slice();
    const aux: number[] = [];
    runPretrain(a, whole, { onStep: (m) => aux.push(m.grounding?.position ?? NaN, m.grounding?.color ?? NaN) });
    assert.ok(aux.every((v) => Number.isFinite(v) && v >= 0), `grounding terms ${aux}`);
    assert.ok(aux.filter((_, i) => i % 2 === 0).some((v) => v > 0) && aux.filter((_, i) => i % 2 === 1).some((v) => v > 0));
    assert.notDeepEqual(a.grounding.position.weight.toTypedArray(), before, 'the position head must train');

    const split = config(path.join(root, 'split'));
    const b1 = setupPretrain(split, false);
    assert.throws(() => runPretrain(b1, split, { onCheckpoint: (step) => { if (step === 2) throw new Error('stop'); } }), /stop/);
    for (const x of [b1.model, b1.optimizer, b1.ema, b1.grounding!]) x.dispose();
    const b2 = setupPretrain(split, true);
    runPretrain(b2, split);
    assert.deepEqual(b2.grounding!.position.weight.toTypedArray(), a.grounding.position.weight.toTypedArray());
    assert.deepEqual(b2.model.stateDict().get('encoder.tokenEmbedding.weight')!.toTypedArray(), a.model.stateDict().get('encoder.tokenEmbedding.weight')!.toTypedArray());
    const exported = emaModel(a);
    assert.ok([...exported.stateDict().keys()].every((k) => !k.includes('grounding') && !k.startsWith('position.')));
    exported.dispose();
    for (const r of [a, b2]) for (const x of [r.model, r.optimizer, r.ema, r.grounding!]) x.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('grounding outside the shapes testbed is refused with a message naming the field', () => {
  assert.throws(
    () => parsePretrainConfig({ testbed: 'mnist', training: { grounding: { position: 1 } } }),
    /training\.grounding.*must be 0 outside the shapes testbed/,
  );
});
