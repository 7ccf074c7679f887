// Faults in a data-parallel run, with real processes and a real SIGKILL (issue #14): rank 1 is killed while the run
// iterates; rank 0 must stop within the run's distributed.timeoutMs with one line naming rank 1, leave a sound run
// store (marked failed) and checkpoints, and `--resume` on 2 ranks must continue from the last checkpoint to the end.
// The killed run's ranks are started with torchrun's variables, as on several machines; the resume goes through the
// --nproc launcher, which sets the same variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyBase, tinyRunConfig } from './fixtures.js';
import { freePort } from '../torch/distributed/launch.js';
import { latestRunCheckpoint, checkpointDir } from '../../src/train/run-checkpoint.js';
import { RunStore } from '../../src/store/run-store.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'bin/refract.js');
const TIMEOUT_MS = 8000;

interface Rank {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  out: { stdout: string; stderr: string };
}

function startRank(rank: number, config: string, port: number, extra: string[] = []): Rank {
  const child = spawn(process.execPath, [cli, 'train', config, ...extra], {
    env: { ...process.env, REFRACT_THREADS: '1', RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const limit = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, at: performance.now() });
    }),
  );
  return { child, exited, out };
}

async function until(what: string, ok: () => boolean, ms = 90_000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a rank killed mid-run stops the other within the timeout, naming it; the store is sound; --resume finishes the run', async () => {
  const { dir, base } = tinyBase('refract-ddp-fault-');
  const out = path.join(dir, 'run');
  const config = path.join(dir, 'run.yaml'); // JSON is YAML
  writeFileSync(
    config,
    JSON.stringify(
      tinyRunConfig(base, out, {
        iterations: 6,
        eval: { every: 0 },
        checkpoint: { every: 2, keep: 1 },
        distributed: { timeoutMs: TIMEOUT_MS },
        grpo: { promptsPerIteration: 2, groupSize: 2, minibatchSize: 4, sampler: { steps: 12 } },
      }),
    ),
  );
  try {
    const port = await freePort();
    const ranks = [startRank(0, config, port), startRank(1, config, port)];
    await until('the checkpoint of iteration 2', () => (latestRunCheckpoint(checkpointDir(out)) ?? 0) >= 2);
    const killedAt = performance.now();
    ranks[1]!.child.kill('SIGKILL');
    const r0 = await ranks[0]!.exited;
    assert.equal((await ranks[1]!.exited).signal, 'SIGKILL');
    const waited = r0.at - killedAt;
    assert.ok(waited < TIMEOUT_MS + 5000, `rank 0 took ${Math.round(waited)} ms to stop (timeout ${TIMEOUT_MS} ms)`);
    assert.equal(r0.code, 1, ranks[0]!.out.stderr);
    const lines = ranks[0]!.out.stderr.trim().split('\n');
    assert.match(lines[lines.length - 1]!, /^refract train: rank 1 stopped responding during \S+ .*— .*--resume/);
    assert.ok(!/\n\s+at /.test(ranks[0]!.out.stderr), 'no stack trace');

    const store = RunStore.open(path.join(out, 'runs.sqlite'));
    try {
      assert.equal(store.integrityCheck(), 'ok');
      assert.equal(store.run(1).status, 'failed');
    } finally {
      store.close();
    }
    const resumedFrom = latestRunCheckpoint(checkpointDir(out))!;

    // the resume goes through the launcher: `refract train --nproc 2 --resume` (no torchrun variables set)
    const launcher = spawn(process.execPath, [cli, 'train', config, '--nproc', '2', '--resume'], {
      env: Object.fromEntries(Object.entries({ ...process.env, REFRACT_THREADS: '1' }).filter(([k]) => !['RANK', 'WORLD_SIZE', 'MASTER_PORT'].includes(k))),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    launcher.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    launcher.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => launcher.on('exit', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`resuming run 1 at iteration ${resumedFrom + 1}`));
    const after = RunStore.open(path.join(out, 'runs.sqlite'));
    try {
      assert.equal(after.integrityCheck(), 'ok');
      assert.equal(after.run(1).status, 'finished');
      assert.equal(after.lastStep(1), 6);
    } finally {
      after.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
