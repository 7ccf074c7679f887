// The run budgets of the training loop: maxSamples (generated images) and maxSeconds (wall time of iterations and
// evaluations, kept across a resume) end a run early with a final evaluation and checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { latestRunCheckpoint, checkpointDir } from '../../src/train/run-checkpoint.js';
import { brightnessReward, tinyBase, tinyRunConfig } from './fixtures.js';

test('maxSeconds ends the run once iterations and evaluations used the wall-time budget', async () => {
  const { dir, base } = tinyBase('refract-budget-');
  try {
    const out = path.join(dir, 'run');
    const config = parseRunConfig(tinyRunConfig(base, out, { iterations: 1000, maxSeconds: 1 }));
    const t0 = performance.now();
    const r = await runTraining(config, { reward: brightnessReward() });
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(r.status, 'finished');
    assert.ok(r.lastIteration >= 1 && r.lastIteration < 1000, `stopped early (iteration ${r.lastIteration})`);
    assert.ok(seconds < 60, `stopped within the budget plus one iteration and evaluation (${seconds.toFixed(1)} s)`);
    const saved = latestRunCheckpoint(checkpointDir(out));
    assert.equal(saved, r.lastIteration, 'the last iteration was checkpointed');
    assert.ok(r.lastEval?.iteration === r.lastIteration, 'and evaluated');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('maxSamples ends the run at the sample budget', async () => {
  const { dir, base } = tinyBase('refract-budget-');
  try {
    const config = parseRunConfig(tinyRunConfig(base, path.join(dir, 'run'), { iterations: 1000, maxSamples: 8 }));
    const r = await runTraining(config, { reward: brightnessReward() });
    assert.equal(r.samplesUsed, 8); // 2 prompts × 2 samples per iteration: 2 iterations
    assert.equal(r.lastIteration, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
