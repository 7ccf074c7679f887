// Issue #12 defects 2, 4 and 5 at the level of the training loop: everything that can be validated is validated
// before anything is written, a failed start leaves no half-made run folder, a second process is refused by the
// run lock, damaged or missing run files give one clean line, stale checkpoint temps are removed and pruned
// checkpoints are forgotten by the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as torch from '../../src/torch/index.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining, runStoreFile } from '../../src/train/trainer.js';
import { checkpointDir } from '../../src/train/run-checkpoint.js';
import { checkpointSteps } from '../../src/store/training-checkpoint.js';
import { RunStore } from '../../src/store/run-store.js';
import { LOCK_FILE, RunLockError } from '../../src/store/run-lock.js';
import { ConfigError } from '../../src/config/load.js';
import { formatCliError } from '../../src/cli/errors.js';
import { encodeGridPng } from '../../src/eval/report/png.js';
import { createImage } from '../../src/data/image.js';
import { shapesGoldReward } from '../../src/rewards/shapes-gold.js';
import type { RewardModel } from '../../src/rewards/types.js';
import { tinyBase, tinyRunConfig } from './fixtures.js';

torch.setNumThreads(1);
const LOCK_MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/store/run-lock.js')).href;

function config(base: string, out: string, over: Record<string, unknown> = {}) {
  return parseRunConfig(tinyRunConfig(base, out, { iterations: 2, eval: { every: 0 }, checkpoint: { every: 1 }, ...over }));
}

/** The one line the CLI would print for `err`, and its exit code. */
function cliLine(err: unknown): { line: string; exitCode: number } {
  const f = formatCliError('train', err, false);
  assert.equal(f.text.split('\n').filter((l) => l.length > 0).length, 1, f.text);
  return { line: f.text.trim(), exitCode: f.exitCode };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected the run to be refused');
}

test('a base whose vocabulary does not fit the prompt source is refused before the run folder exists', async () => {
  const { dir, base } = tinyBase('refract-preflight-');
  try {
    const out = path.join(dir, 'run');
    const err = await rejection(runTraining(config(base, out, { prompts: { source: 'glyphs' } })));
    assert.ok(err instanceof ConfigError, String(err));
    const { line, exitCode } = cliLine(err);
    assert.equal(exitCode, 2);
    assert.match(line, /^refract train: field "prompts" must draw prompts the base's shapes tokenizer knows, got unknown word "\w+"/);
    assert.ok(!existsSync(out), 'nothing was written: no half-made folder blocks the rerun');
    mkdirSync(out);
    await rejection(runTraining(config(base, out, { prompts: { source: 'glyphs' } })));
    assert.deepEqual(readdirSync(out), [], 'a folder that existed is left as it was');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a preferences file with an unknown prompt word or a 2 MB line is refused before anything is written, in a short message', async () => {
  const { dir, base } = tinyBase('refract-preflight-prefs-');
  try {
    const png = encodeGridPng([createImage(32, 32)], { scale: 1, gap: 0 });
    writeFileSync(path.join(dir, 'a.png'), png);
    writeFileSync(path.join(dir, 'b.png'), png);
    const line = (prompt: string): string => `${JSON.stringify({ prompt, a_path: 'a.png', b_path: 'b.png', winner: 'a', source: 'human' })}\n`;
    const prefs = path.join(dir, 'prefs.jsonl');
    const out = path.join(dir, 'run');
    const dpo = { algorithm: 'dpo', dpo: { mode: 'offline', offline: { pairsPerIteration: 2, source: { kind: 'file', path: prefs } } } };

    writeFileSync(prefs, line('a red circle') + line('a purple elephant'));
    const bad = await rejection(runTraining(config(base, out, dpo)));
    const { line: msg, exitCode } = cliLine(bad);
    assert.equal(exitCode, 2);
    assert.match(msg, /field "dpo\.offline\.source\.path" must name preferences whose prompts .* got unknown word "elephant" in "a purple elephant" in preference 2/);
    assert.ok(!existsSync(out));

    writeFileSync(prefs, line('a red circle') + line(`a ${'red '.repeat(500_000)}circle`));
    const long = await rejection(runTraining(config(base, out, dpo)));
    const printed = cliLine(long).line;
    assert.ok(printed.length < 700, `a 2 MB line gives a short message, got ${printed.length} chars`);
    assert.match(printed, /line 2: must be at most 65536 characters, got 2\d{6} starting/);
    assert.ok(!existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fresh run that fails before its first checkpoint leaves no half-made folder, and the rerun starts', async () => {
  const { dir, base } = tinyBase('refract-preflight-fail-');
  try {
    const out = path.join(dir, 'run');
    const broken: RewardModel = { ...shapesGoldReward({ total: 'partial', dense: false }), score: () => Promise.reject(new Error('reward server down')) };
    const err = await rejection(runTraining(config(base, out, { eval: { every: 1 } }), { reward: broken }));
    assert.match(err.message, /reward server down/);
    assert.ok(!existsSync(out), 'runs.sqlite, grids and the folder itself are gone');
    const ok = await runTraining(config(base, out));
    assert.equal(ok.status, 'finished');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder locked by another live process is refused at once naming its pid; nothing is written', async () => {
  const { dir, base } = tinyBase('refract-preflight-lock-');
  const out = path.join(dir, 'run');
  const code = `const { RunLock } = await import(${JSON.stringify(LOCK_MODULE)}); RunLock.acquire(${JSON.stringify(out)}, 'x'); process.stdout.write('locked\\n'); setTimeout(() => {}, 60000);`;
  const holder = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const err = await rejection(runTraining(config(base, out)));
    assert.ok(err instanceof RunLockError);
    const { line, exitCode } = cliLine(err);
    assert.equal(exitCode, 2);
    assert.match(line, new RegExp(`^refract train: out must not be in use by another process, got ".*" locked by pid ${holder.pid} `));
    assert.deepEqual(readdirSync(out), [LOCK_FILE], 'the owner\'s lock only: no store, no checkpoint');
  } finally {
    holder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume with a damaged latest.json or without runs.sqlite: one clean line, and no empty store is created', async () => {
  const { dir, base } = tinyBase('refract-preflight-resume-');
  try {
    const out = path.join(dir, 'run');
    assert.equal((await runTraining(config(base, out))).status, 'finished');
    const again = await rejection(runTraining(config(base, out)));
    assert.match(cliLine(again).line, /out must be a fresh folder or a run to resume, got ".*run" which holds a run .* — pass --resume/);

    const latest = path.join(checkpointDir(out), 'latest.json');
    writeFileSync(latest, '{"step": 2, "pa');
    const damaged = await rejection(runTraining(config(base, out, { iterations: 3 }), {}, { resume: true }));
    const { line, exitCode } = cliLine(damaged);
    assert.equal(exitCode, 1);
    assert.match(line, /^refract train: .*latest\.json must be JSON like \{"step": 20, "path": "step-000020"\}, got "\{\\"step\\": 2, \\"pa" — .*delete it/);
    assert.doesNotMatch(line, /SyntaxError/);

    rmSync(latest);
    rmSync(runStoreFile(out));
    const missing = await rejection(runTraining(config(base, out, { iterations: 3 }), {}, { resume: true }));
    assert.match(cliLine(missing).line, /runs\.sqlite must exist to resume the run in .* \(checkpoint at iteration 2\), got no such file — restore it/);
    assert.ok(!existsSync(runStoreFile(out)), 'no empty database was created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint temps of a killed writer are removed, and pruned checkpoints are forgotten by the store', async () => {
  const { dir, base } = tinyBase('refract-preflight-temps-');
  try {
    const out = path.join(dir, 'run');
    const ckDir = checkpointDir(out);
    const dead = 2 ** 22 + 12345; // above the default pid_max: never a live process
    mkdirSync(path.join(ckDir, `.step-000007.tmp-${dead}`), { recursive: true });
    writeFileSync(path.join(ckDir, `latest.json.tmp-${dead}`), '{');
    const r = await runTraining(config(base, out, { iterations: 4, checkpoint: { every: 1, keep: 1 } }));
    assert.equal(r.status, 'finished');
    assert.deepEqual(readdirSync(ckDir).filter((f) => f.includes('.tmp-')), [], 'no temporary checkpoint is left');
    const store = RunStore.open(runStoreFile(out));
    const listed = store.checkpoints(r.runId).map((c) => c.step);
    store.close();
    assert.deepEqual(listed, checkpointSteps(ckDir), 'the store lists exactly the checkpoints on disk');
    assert.deepEqual(listed, [3, 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
