// Fine-tuning from a checkpoint (`init:` in a pretrain config): the run starts from the checkpoint's weights (model
// and EMA), a `model:` section or testbed that disagrees with the checkpoint is refused naming the field, a resumed
// init-run continues from its own checkpoint (not from init), and `refract pretrain --export` records init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/torch/index.js';
import { setupPretrain, runPretrain, pretrainStep, emaModel, type PretrainRun } from '../../src/pretrain/loop.js';
import { parsePretrainConfig, loadPretrainConfig, type PretrainConfig } from '../../src/pretrain/config.js';
import { CATEGORIES } from '../../src/data/shapes/types.js';
import { MAX_TOKENS, detokenize } from '../../src/data/shapes/vocab.js';
import { Rng } from '../../src/data/rng.js';
import { loadCheckpoint, readCheckpointMetadata, saveCheckpoint } from '../../src/models/checkpoint.js';
import { tinyConfig, tinyModel } from './fixtures.js';

torch.setNumThreads(1);

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

type Weights = Map<string, Float32Array>;

function weightsOf(model: { stateDict(): Map<string, torch.Tensor> }): Weights {
  return torch.scope(() => new Map([...model.stateDict()].map(([k, t]) => [k, t.toTypedArray() as Float32Array])));
}

function emaWeights(run: PretrainRun): Weights {
  const m = emaModel(run);
  try {
    return weightsOf(m);
  } finally {
    m.dispose();
  }
}

function checkpointWeights(dir: string): Weights {
  const { model } = loadCheckpoint(dir);
  try {
    return weightsOf(model);
  } finally {
    model.dispose();
  }
}

function assertSameWeights(actual: Weights, expected: Weights, what: string): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()], `${what}: keys`);
  for (const [k, v] of expected) assert.deepEqual(actual.get(k), v, `${what}: ${k} differs`);
}

function dispose(run: PretrainRun): void {
  run.model.dispose();
  run.optimizer.dispose();
  run.ema.dispose();
}

/** A tiny Shapes base: 2 steps of the tiny pretraining config, its EMA exported as a checkpoint into `dir`. */
function tinyBase(root: string): string {
  const config = tinyConfig('shapes', path.join(root, 'base-run'), 2);
  const run = setupPretrain(config, false);
  runPretrain(run, config);
  const dir = path.join(root, 'base');
  const m = emaModel(run);
  saveCheckpoint(dir, m, { pretrain: JSON.parse(JSON.stringify(config)), testbed: 'shapes' });
  m.dispose();
  dispose(run);
  return dir;
}

function initConfig(init: string, dir: string, over: Record<string, unknown> = {}): Readonly<PretrainConfig> {
  return parsePretrainConfig({
    seed: 11,
    testbed: 'shapes',
    init,
    training: { steps: 3, batchSize: 2, warmupSteps: 0, lr: 1e-3 }, // no warmup: step 1 updates at full lr
    checkpoint: { dir, every: 1, keep: 1 },
    ...over,
  });
}

test('init: the first step starts from the checkpoint weights (model and EMA), then updates them', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'refract-pretrain-init-'));
  try {
    const base = tinyBase(root);
    const expected = checkpointWeights(base);
    const config = initConfig(base, path.join(root, 'ft'));
    const run = setupPretrain(config, false);
    assert.equal(run.startStep, 1);
    assertSameWeights(weightsOf(run.model), expected, 'model before step 1');
    assertSameWeights(emaWeights(run), expected, 'EMA before step 1');
    const m = pretrainStep(run, config, 1);
    assert.ok(!m.skipped && Number.isFinite(m.loss), `step 1: ${JSON.stringify(m)}`);
    const after = weightsOf(run.model);
    assert.ok(
      [...expected].some(([k, v]) => !after.get(k)!.every((x, i) => x === v[i])),
      'step 1 changes the weights',
    );
    dispose(run);

    const scratch = setupPretrain(tinyConfig('shapes', path.join(root, 'scratch'), 2), false);
    const fresh = weightsOf(scratch.model);
    assert.ok(
      [...expected].some(([k, v]) => !fresh.get(k)!.every((x, i) => x === v[i])),
      'without init the model is a fresh one',
    );
    dispose(scratch);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('init: a model section that disagrees with the checkpoint, another testbed or a missing folder is refused', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'refract-pretrain-init-bad-'));
  try {
    const base = tinyBase(root);
    const dir = path.join(root, 'ft');
    const before = torch.memoryStats().liveTensors;
    assert.throws(
      () => setupPretrain(initConfig(base, dir, { model: { unet: { baseChannels: 16 } } }), false),
      /refract pretrain: model\.unet\.baseChannels must be absent or equal the init checkpoint's value \(8\), got 16 — .*remove the model section/,
    );
    assert.throws(
      () => setupPretrain(initConfig(base, dir, { model: { unet: { channelMult: [1, 2, 2] } } }), false),
      /model\.unet\.channelMult must be absent or equal the init checkpoint's value \(\[1,2\]\), got \[1,2,2\]/,
    );
    assert.throws(
      () => setupPretrain(initConfig(base, dir, { testbed: 'mnist' }), false),
      /testbed must match the init checkpoint \(.*base was trained on "shapes"\), got "mnist" — set testbed: shapes, or point init at a mnist checkpoint/,
    );
    assert.throws(
      () => setupPretrain(initConfig(path.join(root, 'nowhere'), dir), false),
      /init must be a checkpoint folder \(config\.json \+ model\.safetensors\), got ".*nowhere"/,
    );
    assert.equal(torch.memoryStats().liveTensors, before, 'a refused init frees what it built');

    // A model section that repeats the checkpoint's architecture is accepted.
    const same = setupPretrain(initConfig(base, dir, { model: tinyModel('shapes') }), false);
    assertSameWeights(weightsOf(same.model), checkpointWeights(base), 'model section equal to the checkpoint');
    dispose(same);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

class Interrupt extends Error {}

test('init: an interrupted fine-tune resumes from its own checkpoint, exactly as the uninterrupted run', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'refract-pretrain-init-resume-'));
  try {
    const base = tinyBase(root);
    const whole = initConfig(base, path.join(root, 'whole'));
    const a = setupPretrain(whole, false);
    runPretrain(a, whole);

    const split = initConfig(base, path.join(root, 'split'));
    const b1 = setupPretrain(split, false);
    const seen: { atStep2?: Weights } = {};
    assert.throws(
      () =>
        runPretrain(b1, split, {
          onCheckpoint: (step) => {
            if (step !== 2) return;
            seen.atStep2 = weightsOf(b1.model);
            throw new Interrupt('stop');
          },
        }),
      Interrupt,
    );
    dispose(b1);
    const b2 = setupPretrain(split, true);
    assert.equal(b2.startStep, 3);
    assertSameWeights(weightsOf(b2.model), seen.atStep2!, 'resumed model (the run at step 2, not init)');
    runPretrain(b2, split);
    assertSameWeights(weightsOf(b2.model), weightsOf(a.model), 'model after resume');
    assertSameWeights(emaWeights(b2), emaWeights(a), 'EMA after resume');
    dispose(a);
    dispose(b2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('refract pretrain with init: a 2-step run completes and the export records init in extra.pretrain', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'refract-pretrain-init-cli-'));
  try {
    const base = tinyBase(root);
    const file = path.join(root, 'ft.yaml');
    const out = path.join(root, 'export');
    writeFileSync(
      file,
      [
        'testbed: shapes',
        `init: ${JSON.stringify(base)}`,
        'data: { categoryWeights: { single_object: 0, two_objects: 0, counting: 0, colors: 0, position: 1, color_attr: 0 } }',
        'training: { steps: 2, batchSize: 2, warmupSteps: 1, threads: 1 }',
        `checkpoint: { dir: ${JSON.stringify(path.join(root, 'ft'))}, every: 1, keep: 1 }`,
        '',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [MAIN, 'pretrain', file, '--export', out], {
      encoding: 'utf8',
      env: { ...process.env, REFRACT_THREADS: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /fine-tuning .*base, steps 1\.\.2/);
    const exported = readCheckpointMetadata(out);
    const pretrain = exported.extra.pretrain as Record<string, unknown>;
    assert.equal(pretrain.init, base);
    assert.equal(exported.extra.testbed, 'shapes');
    assert.deepEqual(exported.config, readCheckpointMetadata(base).config, 'architecture of the init checkpoint');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('configs/oracle-position.yaml fine-tunes the first Shapes base (U-Net v1) on position prompts only', () => {
  const config = loadPretrainConfig('configs/oracle-position.yaml');
  assert.equal(config.init, 'assets/base/shapes-unet-v1');
  assert.deepEqual(config.model, {});
  assert.equal(config.data.heldOut, 'default');
  for (const c of CATEGORIES) assert.equal(config.data.categoryWeights[c], c === 'position' ? 1 : 0, `weight of ${c}`);
  const run = setupPretrain({ ...config, training: { ...config.training, batchSize: 1 } }, false);
  try {
    assertSameWeights(weightsOf(run.model), checkpointWeights('assets/base/shapes-unet-v1'), 'oracle start');
    const batch = torch.scope(() => {
      const b = run.testbed.batch(new Rng(5), 64, { ...config, training: { ...config.training, condDropout: 0 } });
      const ids = Array.from(b.tokens.toTypedArray(), Number);
      return Array.from({ length: 64 }, (_, i) => detokenize(ids.slice(i * MAX_TOKENS, (i + 1) * MAX_TOKENS)));
    });
    for (const prompt of batch) assert.match(prompt, / (to the left of|to the right of|above|below) /, prompt);
  } finally {
    dispose(run);
  }
});
