// A real crash: `refract train` runs in a child process and is SIGKILLed mid-run. The run store must reopen, pass
// integrity_check and hold a contiguous prefix of steps; `refract train --resume` must then finish the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { RunStore } from '../../src/store/run-store.js';
import { runStoreFile } from '../../src/train/trainer.js';
import { tinyBase, tinyRunConfig } from './fixtures.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const ITERATIONS = 8;

function train(config: string, resume: boolean): ChildProcess {
  const args = [CLI, 'train', config, ...(resume ? ['--resume'] : [])];
  return spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REFRACT_THREADS: '1' } });
}

/** The last step logged, read once the child has created and migrated the store (its first checkpoint exists). */
function lastStep(db: string): number | null {
  if (!existsSync(path.join(path.dirname(db), 'checkpoints', 'latest.json'))) return null;
  const store = RunStore.open(db);
  try {
    const run = store.runs().at(-1);
    return run === undefined ? null : store.lastStep(run.id);
  } finally {
    store.close();
  }
}

/** Kills the child with SIGKILL once the store holds step `atStep`; resolves with the signal it died of. */
function killAtStep(child: ChildProcess, db: string, atStep: number): Promise<NodeJS.Signals | null> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const poll = setInterval(() => {
    if ((lastStep(db) ?? -1) >= atStep) child.kill('SIGKILL');
  }, 50);
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL') resolve(signal);
      else reject(new Error(`refract train exited with code ${code} before the kill: ${err}`));
    });
  });
}

function exitCode(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

test('SIGKILL mid-run leaves a sound store with a contiguous prefix, and --resume finishes the run', async () => {
  const { dir, base } = tinyBase('refract-train-kill-');
  try {
    const out = path.join(dir, 'run');
    const file = path.join(dir, 'train.yaml');
    writeFileSync(file, stringify(tinyRunConfig(base, out, { iterations: ITERATIONS, eval: { every: 0 }, checkpoint: { every: 2 } })));
    const db = runStoreFile(out);
    assert.equal(await killAtStep(train(file, false), db, 3), 'SIGKILL');

    const store = RunStore.open(db);
    assert.equal(store.integrityCheck(), 'ok');
    const run = store.runs().at(-1)!;
    assert.equal(run.status, 'running', 'a killed run cannot record its end');
    const steps = store.metrics(run.id).map((s) => s.step);
    assert.ok(steps.length >= 3 && steps.length < ITERATIONS, `killed after ${steps.length} steps`);
    assert.deepEqual(steps, Array.from({ length: steps.length }, (_, i) => i + 1), 'steps 1..n with no gap');
    store.close();

    const resumed = await exitCode(train(file, true));
    assert.equal(resumed.code, 0, resumed.output);
    assert.match(resumed.output, new RegExp(`resuming run ${run.id} at iteration \\d`));
    const after = RunStore.open(db);
    assert.equal(after.integrityCheck(), 'ok');
    assert.equal(after.runs().length, 1, 'resume continues the run, it does not start another');
    assert.equal(after.run(run.id).status, 'finished');
    assert.deepEqual(after.metrics(run.id).map((s) => s.step), Array.from({ length: ITERATIONS }, (_, i) => i + 1));
    assert.equal(after.latestCheckpoint(run.id)?.step, ITERATIONS);
    after.close();
    assert.ok(existsSync(path.join(out, 'final', 'model.safetensors')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
