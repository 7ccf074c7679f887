// `refract export`: the model an evaluation judged becomes a plain checkpoint — the evaluated EMA when the run kept
// one (so exporting the last evaluated iteration gives final/ bit for bit), refusals before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { evaluatedIterations, exportEvaluatedModel } from '../../src/train/export-evaluated.js';
import { readCheckpointMetadata } from '../../src/models/checkpoint.js';
import { savedWeights as weights, tinyBase, tinyRunConfig } from './fixtures.js';

test('export: an evaluated iteration as a checkpoint — the evaluated EMA (last one = final/), the policy at another; refusals name the fix and write nothing', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-export-');
  try {
    const out = path.join(dir, 'run');
    const nft = { promptsPerIteration: 2, groupSize: 2, minibatchSize: 4, sampler: { steps: 3 }, timesteps: { perSample: 2 }, lr: 1e-2, evaluatedEma: { decay: 0.5 } };
    const monitor = { rules: [{ kind: 'below', signal: 'saturation', value: 0, action: { kind: 'warn' } }] }; // keeps evaluation checkpoints
    const config = parseRunConfig(tinyRunConfig(base, out, { algorithm: 'nft', nft, monitor, iterations: 4 }));
    const result = await runTraining(config);
    assert.equal(result.status, 'finished');
    assert.deepEqual(evaluatedIterations(out), [0, 2, 4]);

    const last = exportEvaluatedModel(out, 4, path.join(dir, 'it4'));
    assert.equal(last.evaluatedEma, true);
    assert.deepEqual(weights(path.join(dir, 'it4', 'model.safetensors')), weights(path.join(out, 'final', 'model.safetensors')), 'the last evaluation\'s model is final/');
    const meta = readCheckpointMetadata(path.join(dir, 'it4'));
    assert.equal(meta.extra['iteration'], 4);
    assert.equal(meta.extra['testbed'], 'shapes');
    exportEvaluatedModel(out, 0, path.join(dir, 'it0'));
    assert.deepEqual(weights(path.join(dir, 'it0', 'model.safetensors')), weights(path.join(base, 'model.safetensors')), 'iteration 0 is the base');

    assert.throws(() => exportEvaluatedModel(out, 3, path.join(dir, 'it3')), /refract export: --iteration must be an evaluated iteration of .*, got 3 — evaluated: 0, 2, 4/);
    assert.ok(!existsSync(path.join(dir, 'it3')));
    mkdirSync(path.join(dir, 'full'));
    writeFileSync(path.join(dir, 'full', 'keep.txt'), 'x');
    assert.throws(() => exportEvaluatedModel(out, 2, path.join(dir, 'full')), /--out must be a new or empty folder, got .*full, which holds files/);
    assert.deepEqual(readdirSync(path.join(dir, 'full')), ['keep.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
