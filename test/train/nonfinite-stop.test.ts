// The NaN/Inf policy: iterations whose update is skipped are counted, and `stopOnNonFinite.maxConsecutive` of them
// in a row stop the run as failed — with a message saying so, status 'failed' in the store, and the last good
// checkpoint intact and loadable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining, runStoreFile } from '../../src/train/trainer.js';
import { checkpointDir } from '../../src/train/run-checkpoint.js';
import { latestCheckpointStep, loadTrainingCheckpoint } from '../../src/store/training-checkpoint.js';
import { RunStore } from '../../src/store/run-store.js';
import { shapesGoldReward } from '../../src/rewards/shapes-gold.js';
import type { RewardModel } from '../../src/rewards/types.js';
import { tinyBase, tinyRunConfig } from './fixtures.js';

/** The gold reward, except that training batches from iteration 2 on score NaN (evaluations stay finite). */
function nanFromIteration2(): RewardModel {
  const gold = shapesGoldReward({ total: 'partial', dense: false });
  return {
    ...gold,
    name: 'nan-from-2',
    score: async (batch) => {
      const r = await gold.score(batch);
      const it = batch.metadata?.['iteration'];
      const training = batch.metadata?.['eval'] !== true;
      return training && typeof it === 'number' && it >= 2 ? { ...r, total: r.total.map(() => NaN) } : r;
    },
  };
}

test('maxConsecutive skipped updates stop the run as failed and keep the last good checkpoint', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-nan-');
  try {
    const out = path.join(dir, 'run');
    const config = parseRunConfig(
      tinyRunConfig(base, out, { iterations: 8, eval: { every: 0 }, checkpoint: { every: 1 }, stopOnNonFinite: { maxConsecutive: 2 } }),
    );
    const skips: boolean[] = [];
    const result = await runTraining(config, { reward: nanFromIteration2(), onStep: (_, l) => skips.push(l.skippedUpdate) });
    assert.equal(result.status, 'failed');
    assert.deepEqual(skips, [false, true, true]);
    assert.equal(result.lastIteration, 3);
    assert.match(result.reason ?? '', /2 consecutive iterations \(2–3\) skipped their update because of a non-finite reward/);
    assert.match(result.reason ?? '', /last good checkpoint is iteration 2/);
    assert.ok(!existsSync(path.join(out, 'final')), 'a failed run writes no final model');

    const store = RunStore.open(runStoreFile(out));
    const run = store.runs().at(-1)!;
    assert.equal(run.status, 'failed');
    assert.deepEqual(store.metrics(run.id).map((s) => s.metrics['skippedUpdate']), [0, 1, 1]);
    assert.equal(store.diagnostics(run.id, 'nonfinite_rewards').at(-1)?.value, 4);
    store.close();

    const dirCk = checkpointDir(out);
    assert.equal(latestCheckpointStep(dirCk), 2);
    const ck = loadTrainingCheckpoint(dirCk);
    const weights = [...ck.tensors['model']!.values()];
    assert.ok(weights.every((t) => t.toArray().every(Number.isFinite)), 'checkpointed weights are finite');
    for (const g of Object.values(ck.tensors)) torch.disposeAll([...g.values()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
