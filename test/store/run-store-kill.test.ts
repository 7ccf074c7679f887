// A real crash: a child process logs steps in a loop and is SIGKILLed mid-run. The database must reopen, pass
// integrity_check, and hold a contiguous prefix of whole steps (every step with all its diagnostics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunStore } from '../../src/store/run-store.js';
import { DIAGNOSTICS_PER_STEP } from './log-steps-child.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'log-steps-child.js');

function runAndKill(file: string, afterReadyMs: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) setTimeout(() => child.kill('SIGKILL'), afterReadyMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(signal);
      else reject(new Error(`child exited with code ${code} before the kill: ${err}`));
    });
  });
}

test('SIGKILL mid-run leaves a sound database with a contiguous prefix of whole steps', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-kill-'));
  try {
    const file = path.join(dir, 'runs.db');
    for (const delay of [30, 150]) {
      assert.equal(await runAndKill(file, delay), 'SIGKILL');
      const store = RunStore.open(file);
      assert.equal(store.integrityCheck(), 'ok');
      assert.equal(store.journalMode(), 'wal');
      const run = store.runs().at(-1)!;
      const steps = store.metrics(run.id).map((s) => s.step);
      assert.ok(steps.length > 20, `only ${steps.length} steps logged before the kill`);
      assert.deepEqual(
        steps,
        Array.from({ length: steps.length }, (_, i) => i),
        'steps must be 0..n−1 with no gap',
      );
      const diags = store.diagnostics(run.id);
      assert.equal(diags.length, steps.length * DIAGNOSTICS_PER_STEP, 'every step has all its diagnostics');
      const last = steps.length - 1;
      assert.deepEqual(store.diagnostics(run.id, `d${DIAGNOSTICS_PER_STEP - 1}`).at(-1), {
        step: last,
        name: `d${DIAGNOSTICS_PER_STEP - 1}`,
        value: last * 10 + DIAGNOSTICS_PER_STEP - 1,
      });
      // The store keeps working after the crash.
      store.logStep(run.id, last + 1, { loss: 0 });
      assert.equal(store.lastStep(run.id), last + 1);
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
