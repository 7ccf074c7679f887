// training.stopAfter: a snapshot of a longer schedule. A run told to stop after step 3 of a 6-step schedule takes
// exactly the first three steps of the 6-step run (same learning rates, same weights bit for bit), which is not what a
// 2-step schedule does; a stopAfter past the schedule is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { setupPretrain, runPretrain, lastPretrainStep, type PretrainRun } from '../../src/pretrain/loop.js';
import { parsePretrainConfig } from '../../src/pretrain/config.js';
import { tinyConfig } from './fixtures.js';

torch.setNumThreads(1);

function weights(run: PretrainRun): Map<string, Float32Array> {
  return torch.scope(() => {
    const out = new Map<string, Float32Array>();
    for (const [k, t] of run.model.stateDict()) out.set(k, t.toTypedArray() as Float32Array);
    return out;
  });
}

function dispose(run: PretrainRun): void {
  run.model.dispose();
  run.optimizer.dispose();
  run.ema.dispose();
}

test('stopAfter takes the first steps of the longer schedule, bit for bit', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'refract-stop-after-'));
  try {
    const six = tinyConfig('shapes', path.join(root, 'six'), 6);
    const lrsFull: number[] = [];
    const whole = setupPretrain(six, false);
    let atThree: Map<string, Float32Array> | undefined;
    runPretrain(whole, six, {
      onStep: (m) => {
        lrsFull.push(m.lr);
        if (m.step === 3) atThree = weights(whole);
      },
    });

    const raw = { ...six, training: { ...six.training, stopAfter: 3 }, checkpoint: { ...six.checkpoint, dir: path.join(root, 'snap') } };
    const snap = parsePretrainConfig(raw);
    assert.equal(lastPretrainStep(snap), 3);
    const cut = setupPretrain(snap, false);
    const lrsCut: number[] = [];
    runPretrain(cut, snap, { onStep: (m) => lrsCut.push(m.lr) });
    assert.deepEqual(lrsCut, lrsFull.slice(0, 3));
    assert.ok(existsSync(path.join(snap.checkpoint.dir, 'step-000003', 'model.safetensors')), 'the last step is checkpointed');
    const w = weights(cut);
    for (const [k, v] of atThree!) assert.deepEqual(w.get(k), v, `${k} differs from the 6-step run at step 3`);

    const three = tinyConfig('shapes', path.join(root, 'three'), 3);
    const short = setupPretrain(three, false);
    const lrsShort: number[] = [];
    runPretrain(short, three, { onStep: (m) => lrsShort.push(m.lr) });
    assert.notDeepEqual(lrsShort, lrsCut, 'a 3-step schedule decays faster than the first half of a 6-step one');
    [whole, cut, short].forEach(dispose);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('stopAfter past training.steps is refused with the field named', () => {
  const c = tinyConfig('shapes', path.join(tmpdir(), 'unused'), 3);
  assert.throws(
    () => parsePretrainConfig({ ...c, training: { ...c.training, stopAfter: 5 } }),
    /training\.stopAfter.*must be at most training\.steps \(3\), got 5/,
  );
});
