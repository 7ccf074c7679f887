// Issue #12 defect 4 (continued from error-policy.test.ts): damaged or wrong files and folders given to the CLI —
// a truncated checkpoint, an empty config, a locked or file-valued out, a missing base, a file that is not a run
// store, a folder that is not a checkpoint — each print one line with the right exit code and write nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunLock } from '../../src/store/run-lock.js';
import { tinyBase } from '../train/fixtures.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

function run(args: string[], env: Record<string, string> = {}): { code: number | null; stderr: string; lines: string[] } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, REFRACT_THREADS: '1', REFRACT_DEBUG: '', ...env } });
  return { code: r.status, stderr: r.stderr, lines: r.stderr.split('\n').filter((l) => l.length > 0) };
}

/** One line, no stack frame, the command's prefix ("refract train:" or "refract train (<config file>):"). */
function assertOneLine(r: { stderr: string; lines: string[] }, command: string): string {
  assert.equal(r.lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(r.lines[0]!.startsWith(`refract ${command}: `) || r.lines[0]!.startsWith(`refract ${command} (`), r.lines[0]);
  return r.lines[0]!;
}

test('a truncated checkpoint is a runtime error: one line, exit 1; REFRACT_DEBUG=1 adds the stack', () => {
  const { dir, base } = tinyBase('refract-cli-truncated-');
  try {
    const file = path.join(base, 'model.safetensors');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const args = ['sample', '--checkpoint', base, '--prompt', 'a red circle', '--n', '1', '--out', path.join(dir, 'g.png')];
    const r = run(args);
    assert.equal(r.code, 1, r.stderr);
    assert.match(assertOneLine(r, 'sample'), /truncat|must|short/i);
    const debug = run(args, { REFRACT_DEBUG: '1' });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /\n\s+at /, 'the stack is there on request');
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train and pretrain: an empty config, a folder owned by another process, a file as out, a missing base are usage errors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-cli-train-'));
  try {
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    const r = run(['train', empty]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(assertOneLine(r, 'train'), /the file must be a YAML mapping of config fields, got an empty file/);

    const out = path.join(dir, 'run');
    const lock = RunLock.acquire(out, 'test');
    const file = path.join(dir, 'train.yaml');
    writeFileSync(file, `out: ${out}\niterations: 1\n`);
    const locked = run(['train', file]);
    lock.release();
    assert.equal(locked.code, 2, locked.stderr);
    assert.match(assertOneLine(locked, 'train'), new RegExp(`out must not be in use by another process, got ".*run" locked by pid ${process.pid} `));
    assert.deepEqual(readdirSync(out), [], 'the refused run wrote nothing');

    const pretrainDir = path.join(dir, 'pretrain');
    const pretrainLock = RunLock.acquire(pretrainDir, 'test');
    const pretrainFile = path.join(dir, 'pretrain.yaml');
    writeFileSync(pretrainFile, `testbed: shapes\ncheckpoint:\n  dir: ${pretrainDir}\n`);
    const pretrain = run(['pretrain', pretrainFile]);
    pretrainLock.release();
    assert.equal(pretrain.code, 2, pretrain.stderr);
    assert.match(assertOneLine(pretrain, 'pretrain'), new RegExp(`checkpoint\\.dir must not be in use by another process, got ".*pretrain" locked by pid ${process.pid} `));

    writeFileSync(file, `out: ${path.join(dir, 'empty.yaml')}\n`);
    const outIsFile = run(['train', file]);
    assert.equal(outIsFile.code, 2, outIsFile.stderr);
    assert.match(assertOneLine(outIsFile, 'train'), /field "out" must be a folder, got ".*empty\.yaml", which is a file/);
    writeFileSync(file, `out: ${path.join(dir, 'fresh')}\nbase: ${path.join(dir, 'nowhere')}\n`);
    const noBase = run(['train', file]);
    assert.equal(noBase.code, 2, noBase.stderr);
    assert.match(assertOneLine(noBase, 'train'), /field "base" must be a model folder with config\.json, got ".*nowhere"/);
    assert.ok(!readdirSync(dir).includes('fresh'), 'no half-made run folder');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report on a file that is not a database, and sample on a folder that is not a checkpoint: one line each', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-cli-files-'));
  try {
    writeFileSync(path.join(dir, 'runs.sqlite'), 'not a database');
    const r = run(['report', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(assertOneLine(r, 'report'), /runs\.sqlite must be a SQLite run store, got a file that is not one \(SQLITE_NOTADB\)/);
    const s = run(['sample', '--checkpoint', dir, '--prompt', 'a red circle', '--out', path.join(dir, 'g.png')]);
    assert.equal(s.code, 2, s.stderr);
    assert.match(assertOneLine(s, 'sample'), /--checkpoint must be a model folder with config\.json, got /);
    assert.deepEqual(readdirSync(dir).sort(), ['runs.sqlite']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
