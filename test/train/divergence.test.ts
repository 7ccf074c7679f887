// Issue #12 defect 3: a diverged run is not a success. The rule (src/train/divergence.ts): non-finite weights, a
// weight norm outside [‖θ₀‖/f, f·‖θ₀‖], or a gradient norm far above its running median stop the run as 'diverged'
// (exit 3 from the CLI) before the iteration is checkpointed; final/ is not written; the named last good checkpoint
// holds weights from before the damage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import * as torch from '../../src/torch/index.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining, runStoreFile } from '../../src/train/trainer.js';
import { checkpointDir } from '../../src/train/run-checkpoint.js';
import { latestCheckpointStep, loadTrainingCheckpoint } from '../../src/store/training-checkpoint.js';
import { loadStateDictFile } from '../../src/torch/safetensors.js';
import { RunStore } from '../../src/store/run-store.js';
import { divergenceConfigSchema, judgeIteration, median, weightNorm, type DivergenceState } from '../../src/train/divergence.js';
import { brightnessReward, tinyBase, tinyRunConfig } from './fixtures.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const RULE = divergenceConfigSchema.parse({});
const SHIPPED_BASE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../assets/base/shapes');

test('the rule: non-finite weights, a weight norm outside [1/f, f]×, a gradient norm above g× its running median', () => {
  const s: DivergenceState = { baseNorm: 10, gradNorms: [] };
  assert.equal(judgeIteration(RULE, s, 10.5, 1).verdict, null);
  assert.equal(judgeIteration(RULE, s, NaN, 1).verdict?.rule, 'non-finite weights');
  assert.equal(judgeIteration(RULE, s, Infinity, 1).verdict?.rule, 'non-finite weights');
  assert.equal(judgeIteration(RULE, s, 40, 1).verdict, null, 'exactly f× is still healthy');
  assert.equal(judgeIteration(RULE, s, 40.01, 1).verdict?.rule, 'weight norm');
  assert.equal(judgeIteration(RULE, s, 2.49, 1).verdict?.rule, 'weight norm', 'a collapse counts too');
  assert.match(judgeIteration(RULE, s, 1e12, 1).verdict!.detail, /‖θ‖ = 1\.000e\+12 is 1\.00e\+11× its value at iteration 0/);

  let st: DivergenceState = s;
  const huge = 1e6;
  for (let i = 0; i < RULE.minHistory - 1; i++) st = judgeIteration(RULE, st, 10, 1).state;
  assert.equal(judgeIteration(RULE, st, 10, huge).verdict, null, `fewer than ${RULE.minHistory} gradient norms: no verdict yet`);
  st = judgeIteration(RULE, st, 10, 1).state;
  assert.equal(judgeIteration(RULE, st, 10, 999).verdict, null);
  const v = judgeIteration(RULE, st, 10, 1001);
  assert.equal(v.verdict?.rule, 'gradient norm');
  assert.deepEqual(v.state.gradNorms, st.gradNorms, 'a diverged iteration does not enter the history');
  assert.deepEqual(judgeIteration(RULE, st, 10, NaN).state.gradNorms, st.gradNorms, 'a skipped update does not either');
  assert.deepEqual(judgeIteration(RULE, st, 10, 0).state.gradNorms, st.gradNorms, 'nor an update without gradient');

  // KL-only iterations (tiny gradients) then an ordinary update: 1e5× the median, but under the floor of 10
  let kl: DivergenceState = s;
  for (let i = 0; i < 10; i++) kl = judgeIteration(RULE, kl, 10, 1e-6).state;
  assert.equal(judgeIteration(RULE, kl, 10, 0.1).verdict, null, 'an ordinary update after quiet ones is not an explosion');
  assert.equal(judgeIteration(RULE, kl, 10, 11).verdict?.rule, 'gradient norm');

  for (let i = 0; i < 3 * RULE.window; i++) st = judgeIteration(RULE, st, 10, i).state;
  assert.equal(st.gradNorms.length, RULE.window);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('weightNorm is the global L2 norm, NaN or Infinity when a weight is not finite', () => {
  const a = torch.tensor([3, 0]);
  const b = torch.tensor([[4]]);
  assert.equal(weightNorm([a, b]), 5);
  const c = torch.tensor([1, NaN]);
  assert.ok(!Number.isFinite(weightNorm([a, c])));
  torch.disposeAll([a, b, c]);
});

test('lr 1e9: the run stops as diverged, writes no final model, and its last good checkpoint predates the damage', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-diverge-');
  try {
    const out = path.join(dir, 'run');
    const config = parseRunConfig(tinyRunConfig(base, out, { iterations: 6, eval: { every: 2 }, checkpoint: { every: 1 }, grpo: { lr: 1e9 } }));
    const result = await runTraining(config, { reward: brightnessReward() });
    assert.equal(result.status, 'diverged', result.reason);
    assert.match(result.reason ?? '', /^refract train: the run diverged at iteration 1: ‖θ‖ = .* its value at iteration 0 .* \(divergence\.weightNormFactor\)/);
    assert.match(result.reason ?? '', /the last good checkpoint is iteration 0 in .*checkpoints \(checked before the damage\)\. Lower grpo\.lr \(now 1000000000\)/);
    assert.equal(result.lastIteration, 1);
    assert.ok(!existsSync(path.join(out, 'final')), 'no final model from a diverged state');

    const store = RunStore.open(runStoreFile(out));
    const run = store.runs().at(-1)!;
    assert.equal(run.status, 'diverged');
    assert.deepEqual(store.checkpoints(run.id).map((c) => c.step), [0]);
    const wn = store.diagnostics(run.id, 'weightNorm').at(-1)?.value ?? NaN;
    store.close();
    assert.ok(!(wn < 1e6), `the diverged step is logged with its weight norm, got ${wn}`);

    assert.equal(latestCheckpointStep(checkpointDir(out)), 0);
    const ck = loadTrainingCheckpoint(checkpointDir(out));
    const saved = ck.tensors['model']!;
    const baseWeights = loadStateDictFile(path.join(base, 'model.safetensors'));
    const norm = weightNorm([...saved.values()]);
    assert.ok(Number.isFinite(norm));
    assert.ok(Math.abs(norm / weightNorm([...baseWeights.values()].filter((t) => t.dtype.startsWith('float'))) - 1) < 0.05, 'the last good checkpoint holds the base');
    for (const g of Object.values(ck.tensors)) torch.disposeAll([...g.values()]);
    torch.disposeAll([...baseWeights.values()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refract train with lr 1e9 on the shipped Shapes base exits 3 with the reason on one line, not "finished"', () => {
  const { dir } = tinyBase('refract-diverge-cli-');
  try {
    const file = path.join(dir, 'train.yaml');
    // The reproduction (demo.yaml with lr: 1e9), cut to one prompt group: the shipped base's samples differ in
    // gold reward, so the first update happens (and wrecks the weights).
    const over = { base: SHIPPED_BASE, iterations: 4, eval: { every: 0 }, grpo: { lr: 1e9, promptsPerIteration: 1, groupSize: 4, minibatchSize: 4 } };
    writeFileSync(file, stringify(tinyRunConfig(SHIPPED_BASE, path.join(dir, 'run'), over)));
    const r = spawnSync(process.execPath, [CLI, 'train', file], { encoding: 'utf8', env: { ...process.env, REFRACT_THREADS: '1' } });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /run 1 diverged after iteration 1/);
    assert.doesNotMatch(r.stdout, /finished/);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^refract train: the run diverged at iteration 1: /);
    assert.ok(!existsSync(path.join(dir, 'run', 'final')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
