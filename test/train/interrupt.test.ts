// Issue #12 defect 5 / item 6: Ctrl-C and SIGTERM. Real signals to a `refract train` child end the current
// iteration cleanly (a checkpoint of it, status "interrupted", exit 130 / 143, a message); the lock is released and
// --resume finishes the run with contiguous steps. A second signal stops at once (the CLI exits after the stop
// request's last words): those last words are checked in process, since two signals sent together arrive as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { RunStore } from '../../src/store/run-store.js';
import { LOCK_FILE } from '../../src/store/run-lock.js';
import { runStoreFile } from '../../src/train/trainer.js';
import { checkpointDir } from '../../src/train/run-checkpoint.js';
import { latestCheckpointStep } from '../../src/store/training-checkpoint.js';
import * as torch from '../../src/torch/index.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { StopRequest } from '../../src/train/interrupt.js';
import { tinyBase, tinyRunConfig } from './fixtures.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function train(config: string, resume: boolean): ChildProcess {
  const args = [CLI, 'train', config, ...(resume ? ['--resume'] : [])];
  return spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REFRACT_THREADS: '1' } });
}

/** The last step logged, read once the child has created the store and written checkpoint 0. */
function lastStep(db: string): number {
  if (!existsSync(path.join(path.dirname(db), 'checkpoints', 'latest.json'))) return -1;
  const store = RunStore.open(db);
  try {
    const run = store.runs().at(-1);
    return run === undefined ? -1 : (store.lastStep(run.id) ?? -1);
  } finally {
    store.close();
  }
}

/** Sends `signals` (in one go) once the store holds a step beyond `after`; resolves with how the child ended. */
function signalAfterStep(child: ChildProcess, db: string, after: number, signals: NodeJS.Signals[]): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let sent = false;
  const poll = setInterval(() => {
    if (!sent && lastStep(db) > after) {
      sent = true;
      for (const s of signals) child.kill(s);
    }
  }, 40);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

function status(db: string): { status: string; steps: number[] } {
  const store = RunStore.open(db);
  try {
    const run = store.runs().at(-1)!;
    return { status: run.status, steps: store.metrics(run.id).map((s) => s.step) };
  } finally {
    store.close();
  }
}

test('SIGINT and SIGTERM end the iteration cleanly (130 / 143, "interrupted", checkpoint); --resume finishes the run', async () => {
  const { dir, base } = tinyBase('refract-signal-');
  try {
    const out = path.join(dir, 'run');
    const db = runStoreFile(out);
    const file = path.join(dir, 'train.yaml');
    const write = (iterations: number): void =>
      writeFileSync(file, stringify(tinyRunConfig(base, out, { iterations, eval: { every: 0 }, checkpoint: { every: 50 } })));
    write(200);

    const first = await signalAfterStep(train(file, false), db, 1, ['SIGINT']);
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, /refract train: SIGINT received — stopping after the current iteration/);
    assert.match(first.stderr, /refract train: SIGINT received — stopped after iteration (\d+) with a checkpoint; resume with --resume/);
    const s1 = status(db);
    assert.equal(s1.status, 'interrupted');
    const stoppedAt = s1.steps.at(-1)!;
    assert.equal(latestCheckpointStep(checkpointDir(out)), stoppedAt, 'the interrupted iteration was checkpointed');
    assert.ok(!existsSync(path.join(out, LOCK_FILE)), 'the lock is released');
    assert.ok(!existsSync(path.join(out, 'final')), 'an interrupted run is not a finished one');

    const second = await signalAfterStep(train(file, true), db, stoppedAt, ['SIGTERM']);
    assert.equal(second.code, 143, second.stderr);
    assert.match(second.stderr, /SIGTERM received — stopped after iteration \d+ with a checkpoint/);
    assert.equal(status(db).status, 'interrupted');
    assert.ok(!existsSync(path.join(out, LOCK_FILE)));

    write(lastStep(db) + 2);
    const done = await signalAfterStep(train(file, true), db, Number.MAX_SAFE_INTEGER, []);
    assert.equal(done.code, 0, done.stderr);
    const s3 = status(db);
    assert.equal(s3.status, 'finished');
    assert.deepEqual(s3.steps, Array.from({ length: s3.steps.length }, (_, i) => i + 1), 'steps 1..n, no gap, none twice');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a forced stop (the second signal) marks the run interrupted and releases the lock before the process ends', async () => {
  torch.setNumThreads(1);
  const { dir, base } = tinyBase('refract-force-');
  try {
    const out = path.join(dir, 'run');
    const config = parseRunConfig(tinyRunConfig(base, out, { iterations: 4, eval: { every: 0 } }));
    const stop = new StopRequest();
    const seen: { status: string; locked: boolean }[] = [];
    const result = await runTraining(
      config,
      {
        onStep: (it) => {
          if (it !== 2) return;
          stop.force('SIGTERM'); // what the CLI does on a second signal, just before process.exit(143)
          seen.push({ status: status(runStoreFile(out)).status, locked: existsSync(path.join(out, LOCK_FILE)) });
        },
      },
      { stop },
    );
    assert.deepEqual(seen, [{ status: 'interrupted', locked: false }]);
    assert.equal(result.status, 'interrupted', 'in process the loop then stops at the iteration end as well');
    assert.equal(result.lastIteration, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
