// Exact resume: a run that crashes after its checkpoint at iteration 2 (with iteration 3 already logged) and is
// resumed must log the same steps and evaluations, and end with the same weights bit for bit, as a run that was
// never interrupted — every random draw derives from (seed, iteration) and the checkpoint carries all other state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining, runStoreFile } from '../../src/train/trainer.js';
import { RunStore } from '../../src/store/run-store.js';
import { savedWeights, tinyBase, tinyRunConfig } from './fixtures.js';

const OVER = { iterations: 5, eval: { every: 5 }, checkpoint: { every: 2 } };

/** Steps (without wall-clock metrics), evaluations and status of the run in `out`. */
function record(out: string): { steps: unknown[]; evals: unknown[]; status: string; diagnostics: number } {
  const store = RunStore.open(runStoreFile(out));
  try {
    const run = store.runs().at(-1)!;
    const steps = store.metrics(run.id).map((s) => {
      const { seconds: _seconds, secondsUsed: _secondsUsed, ...m } = s.metrics; // wall times differ
      return { step: s.step, ...m };
    });
    const evals = store.evaluations(run.id).map((e) => ({ step: e.step, suite: e.suite, overall: e.overall, details: e.details }));
    return { steps, evals, status: run.status, diagnostics: store.diagnostics(run.id).length };
  } finally {
    store.close();
  }
}

function finalWeights(out: string): Map<string, number[]> {
  return savedWeights(path.join(out, 'final', 'model.safetensors'));
}

test('a crashed run resumed from its checkpoint matches the uninterrupted run exactly', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-resume-');
  try {
    const straight = path.join(dir, 'straight');
    const a = await runTraining(parseRunConfig(tinyRunConfig(base, straight, OVER)));
    assert.equal(a.status, 'finished');
    assert.equal(a.lastIteration, 5);

    const crashed = path.join(dir, 'crashed');
    const config = parseRunConfig(tinyRunConfig(base, crashed, OVER));
    const crash = new Error('simulated crash');
    await assert.rejects(
      runTraining(config, {
        onStep: (it) => {
          if (it === 4) throw crash; // after the checkpoint at 2 and the logged step 3
        },
      }),
      (err) => err === crash,
    );
    const mid = record(crashed);
    assert.equal(mid.status, 'failed');
    assert.deepEqual(mid.steps.map((s) => (s as { step: number }).step), [1, 2, 3]);
    await assert.rejects(runTraining(config), /out must be a fresh folder or a run to resume/);

    const b = await runTraining(config, {}, { resume: true });
    assert.equal(b.status, 'finished');
    assert.equal(b.runId, a.runId, 'the resumed run continues the same run row');
    assert.equal(b.samplesUsed, a.samplesUsed);
    const ra = record(straight);
    const rb = record(crashed);
    assert.equal(rb.status, 'finished');
    assert.deepEqual(rb.steps, ra.steps);
    assert.deepEqual(rb.evals, ra.evals);
    assert.equal(rb.diagnostics, ra.diagnostics);
    assert.deepEqual(finalWeights(crashed), finalWeights(straight));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume refuses a config that changes the experiment, naming the field', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-resume-cfg-');
  try {
    const out = path.join(dir, 'run');
    await runTraining(parseRunConfig(tinyRunConfig(base, out, { iterations: 1, eval: { every: 0 } })));
    const changed = parseRunConfig(tinyRunConfig(base, out, { iterations: 2, eval: { every: 0 }, grpo: { lr: 0.5 } }));
    await assert.rejects(runTraining(changed, {}, { resume: true }), /field\(s\) "grpo" must match the run being resumed/);
    const extended = await runTraining(parseRunConfig(tinyRunConfig(base, out, { iterations: 2, eval: { every: 0 } })), {}, { resume: true });
    assert.equal(extended.lastIteration, 2);
    // a wall-time budget may be extended like the iteration count (a generous one: the tiny run ends on iterations)
    const longer = await runTraining(parseRunConfig(tinyRunConfig(base, out, { iterations: 3, maxSeconds: 3600, eval: { every: 0 } })), {}, { resume: true });
    assert.equal(longer.lastIteration, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
