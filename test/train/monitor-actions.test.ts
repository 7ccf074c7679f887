// The loop applies a monitor's actions: raise_kl scales the algorithm's KL coefficient (and a later rollback keeps
// the raise), rollback reloads the best checkpoint, stop ends the run as 'stopped' with a checkpoint; each action is
// recorded as a `monitor_<kind>` diagnostic, and the monitor's state is checkpointed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { loadStateDictFile } from '../../src/torch/safetensors.js';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining, runStoreFile } from '../../src/train/trainer.js';
import type { EvalSnapshot, MonitorAction, TrainingMonitor } from '../../src/train/monitor.js';
import { checkpointDir, type CheckpointState } from '../../src/train/run-checkpoint.js';
import { loadTrainingCheckpoint } from '../../src/store/training-checkpoint.js';
import { RunStore } from '../../src/store/run-store.js';
import { tinyBase, tinyRunConfig } from './fixtures.js';

function weights(dir: string): number[][] {
  const sd = loadStateDictFile(path.join(dir, 'model.safetensors'));
  const w = [...sd.values()].map((t) => t.toArray());
  torch.disposeAll([...sd.values()]);
  return w;
}

function scriptedMonitor(): TrainingMonitor & { snapshots: EvalSnapshot[] } {
  const snapshots: EvalSnapshot[] = [];
  const script: Record<number, MonitorAction[]> = {
    2: [{ kind: 'raise_kl', factor: 2, reason: 'KL budget' }],
    4: [{ kind: 'warn', reason: 'just saying' }, { kind: 'rollback', reason: 'gold fell' }],
    6: [{ kind: 'rollback', reason: 'back to the base', toIteration: 0 }, { kind: 'stop', reason: 'enough' }],
  };
  return {
    name: 'scripted',
    snapshots,
    observe: (s) => {
      snapshots.push(s);
      return script[s.iteration] ?? [];
    },
    stateDict: () => ({ seen: snapshots.length }),
  };
}

test('monitor actions: raise_kl, rollback and stop are applied, logged and checkpointed', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-monitor-');
  try {
    const out = path.join(dir, 'run');
    const config = parseRunConfig(tinyRunConfig(base, out, { iterations: 10, eval: { every: 2 }, checkpoint: { every: 5 }, grpo: { klCoefficient: 0.01 } }));
    const monitor = scriptedMonitor();
    const outcomes: string[] = [];
    const told: string[] = [];
    const result = await runTraining(config, {
      monitors: [monitor],
      onMonitorAction: (it, m, a, o) => {
        outcomes.push(`${it} ${a.kind}: ${o}`);
        told.push(`${it} ${m} ${a.kind} ${a.reason} → ${o}`);
      },
    });
    assert.equal(result.status, 'stopped');
    assert.equal(result.lastIteration, 6);
    assert.match(result.reason ?? '', /monitor "scripted": enough/);
    assert.deepEqual(monitor.snapshots.map((s) => s.iteration), [0, 2, 4, 6]);
    const s2 = monitor.snapshots[1]!;
    assert.ok(s2.gold !== undefined && s2.gold.overall >= 0 && s2.gold.overall <= 1);
    assert.equal(s2.images.length, 6); // 1 prompt per category
    assert.equal(s2.proxyPerImage.length, 6);
    assert.ok(Number.isFinite(s2.klToReference) && Number.isFinite(s2.trainReward));
    assert.equal(outcomes[0], '2 raise_kl: KL coefficient ×2 (×2.00 in all)');
    assert.match(outcomes[2]!, /^4 rollback: rolled back to the best evaluation \(iteration [024]\)$/);
    assert.equal(outcomes[3], '6 rollback: rolled back to the evaluation of iteration 0');

    const store = RunStore.open(runStoreFile(out));
    const run = store.runs().at(-1)!;
    assert.equal(run.status, 'stopped');
    const kl = store.metrics(run.id).map((s) => s.metrics['klCoefficient']);
    assert.deepEqual(kl, [0.01, 0.01, 0.02, 0.02, 0.02, 0.02], 'the raise holds from iteration 3 on, also after the rollback');
    const actions = store.diagnostics(run.id).filter((d) => d.name.startsWith('monitor_') && d.name !== 'monitor_rollback_to');
    assert.deepEqual(actions.map((d) => `${d.step} ${d.name}`), ['2 monitor_raise_kl', '4 monitor_rollback', '4 monitor_warn', '6 monitor_rollback', '6 monitor_stop']);
    const events = store.monitorEvents(run.id);
    assert.deepEqual(events.map((e) => `${e.step} ${e.monitor} ${e.action} ${e.reason} → ${e.outcome}`), told, 'every action is stored with its monitor, reason and outcome, in order');
    assert.equal(events.length, 5);
    store.logMonitorEvent(run.id, events[0]!);
    assert.equal(store.monitorEvents(run.id).length, 5, 'the same event met again (a resumed run replaying an evaluation) is stored once');
    assert.equal(store.latestCheckpoint(run.id)?.step, 6, 'a stop writes a checkpoint');
    store.close();

    const ck = loadTrainingCheckpoint<CheckpointState>(checkpointDir(out));
    assert.equal(ck.step, 6);
    assert.deepEqual(ck.state.loop.monitors['scripted'], { seen: 4 });
    assert.equal(ck.state.loop.klScale, 2);
    for (const g of Object.values(ck.tensors)) torch.disposeAll([...g.values()]);
    // The rollback to iteration 0 restored the base weights exactly; the stop saved them as the final model.
    assert.deepEqual(weights(path.join(out, 'final')), weights(base));
    assert.ok(existsSync(path.join(out, 'grid-before.png')) && existsSync(path.join(out, 'grid-after.png')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
