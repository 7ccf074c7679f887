// A 3-step pretraining run per testbed into a temp dir, and exact resume: a run interrupted after step 2 and
// resumed from its checkpoint ends with the same weights, bit for bit, as an uninterrupted run — every step's
// randomness derives from (seed, step) and optimizer, schedule and EMA state are checkpointed whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { setupPretrain, runPretrain, emaModel, type PretrainRun } from '../../src/pretrain/loop.js';
import { TESTBED_NAMES } from '../../src/pretrain/testbeds/index.js';
import { TextToVideoModel } from '../../src/models/text-to-video.js';
import { tinyConfig } from './fixtures.js';

torch.setNumThreads(1);

function weights(run: PretrainRun): Map<string, Float32Array> {
  return torch.scope(() => {
    const out = new Map<string, Float32Array>();
    for (const [k, t] of run.model.stateDict()) out.set(`model.${k}`, t.toTypedArray() as Float32Array);
    const ema = emaModel(run);
    for (const [k, t] of ema.stateDict()) out.set(`ema.${k}`, t.toTypedArray() as Float32Array);
    ema.dispose();
    return out;
  });
}

function dispose(run: PretrainRun): void {
  run.model.dispose();
  run.optimizer.dispose();
  run.ema.dispose();
}

class Interrupt extends Error {}

for (const name of TESTBED_NAMES) {
  test(`pretrain ${name}: 3 steps, checkpoints, exact resume after an interruption`, () => {
    const root = mkdtempSync(path.join(tmpdir(), `refract-pretrain-${name}-`));
    try {
      const whole = tinyConfig(name, path.join(root, 'whole'));
      const a = setupPretrain(whole, false);
      assert.equal(a.model instanceof TextToVideoModel, name === 'moving_shapes');
      const losses: number[] = [];
      runPretrain(a, whole, { onStep: (m) => losses.push(m.loss) });
      assert.equal(losses.length, 3);
      assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
      assert.ok(existsSync(path.join(whole.checkpoint.dir, 'step-000003', 'model.safetensors')));

      const split = tinyConfig(name, path.join(root, 'split'));
      const b1 = setupPretrain(split, false);
      assert.throws(
        () =>
          runPretrain(b1, split, {
            onCheckpoint: (step) => {
              if (step === 2) throw new Interrupt('stop');
            },
          }),
        Interrupt,
      );
      dispose(b1);
      const b2 = setupPretrain(split, true);
      assert.equal(b2.startStep, 3);
      runPretrain(b2, split);

      const wa = weights(a);
      const wb = weights(b2);
      assert.deepEqual([...wb.keys()], [...wa.keys()]);
      for (const [k, v] of wa) assert.deepEqual(wb.get(k), v, `${name}: ${k} differs after resume`);
      dispose(a);
      dispose(b2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('resume refuses a checkpoint of another testbed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-pretrain-mismatch-'));
  try {
    const mnist = tinyConfig('mnist', dir, 2);
    const run = setupPretrain(mnist, false);
    runPretrain(run, mnist);
    dispose(run);
    const before = torch.memoryStats().liveTensors;
    assert.throws(
      () => setupPretrain(tinyConfig('fashion_mnist', dir, 2), true),
      /testbed must match the checkpoint in .* \("mnist"\), got "fashion_mnist"/,
    );
    assert.equal(torch.memoryStats().liveTensors, before, 'a refused resume frees what it built');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
