// Issue #12 defect 2: a run folder is owned by one process. Real second processes (small children that take the
// lock through the same module) are refused with the owner's pid; a lock left by a SIGKILLed owner is taken over,
// by exactly one of several processes racing for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LOCK_FILE, RunLock, RunLockError, procStartTime } from '../../src/store/run-lock.js';

const MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/store/run-lock.js')).href;

/** A child that takes the lock on `dir`, prints "locked <pid>" (or the error), then holds it for `holdMs`. */
function lockingChild(dir: string, holdMs: number): ChildProcess {
  const code = `
    const { RunLock } = await import(${JSON.stringify(MODULE)});
    try {
      const lock = RunLock.acquire(${JSON.stringify(dir)}, 'refract test');
      process.stdout.write('locked ' + process.pid + '\\n');
      setTimeout(() => lock.release(), ${holdMs});
    } catch (err) {
      process.stdout.write('refused ' + err.message + '\\n');
      process.exitCode = 2;
    }`;
  return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => (out.includes('\n') ? undefined : reject(new Error(`child exited ${code} without output`))));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.on('exit', (c) => resolve(c))));
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'refract-lock-'));
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('the lock records pid, host and start time, and a second acquire in the same process is refused', () => {
  const dir = tempDir();
  try {
    const lock = RunLock.acquire(path.join(dir, 'run'), 'refract train');
    const owner = RunLock.owner(path.join(dir, 'run'))!;
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, hostname());
    assert.ok(!Number.isNaN(Date.parse(owner.startedAt)));
    assert.throws(() => RunLock.acquire(path.join(dir, 'run'), 'refract train'), (e: unknown) => {
      assert.ok(e instanceof RunLockError);
      assert.match(e.message, new RegExp(`^refract train: out must not be in use by another process, got ".*run" locked by pid ${process.pid} on `));
      assert.match(e.message, / — wait for it to finish or stop it \(kill \d+\)/);
      return true;
    });
    lock.release();
    assert.ok(!existsSync(path.join(dir, 'run', LOCK_FILE)), 'released');
    assert.deepEqual(readdirSync(path.join(dir, 'run')), [], 'no temporary files are left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second process is refused at once with the owner pid; after a SIGKILL the lock is taken over', async () => {
  const dir = tempDir();
  try {
    const holder = lockingChild(dir, 60_000);
    const line = await firstLine(holder);
    assert.equal(line, `locked ${holder.pid}`);

    const t0 = performance.now();
    assert.throws(() => RunLock.acquire(dir, 'refract train'), new RegExp(`locked by pid ${holder.pid} on ${hostname()}`));
    assert.ok(performance.now() - t0 < 1000, 'refused at once, not after a wait');
    const other = lockingChild(dir, 0);
    assert.match(await firstLine(other), new RegExp(`^refused refract test: out must not be in use .* locked by pid ${holder.pid}`));
    assert.equal(await exited(other), 2);

    holder.kill('SIGKILL');
    await exited(holder);
    assert.equal(RunLock.owner(dir)?.pid, holder.pid, 'a killed owner leaves its lock behind');
    const lock = RunLock.acquire(dir, 'refract train');
    assert.equal(RunLock.owner(dir)?.pid, process.pid, 'the stale lock was taken over');
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pid reused by another process does not keep a stale lock alive (start time differs)', { skip: procStartTime(process.pid) === null }, () => {
  const dir = tempDir();
  try {
    const fake = { pid: process.pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z', command: 'old', procStart: 1 };
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(fake));
    const lock = RunLock.acquire(dir, 'refract train');
    assert.notEqual(RunLock.owner(dir)?.procStart, 1);
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('several processes racing for one stale lock: exactly one wins, the others are refused naming it', async () => {
  const dir = tempDir();
  try {
    const stale = { pid: deadPid(), host: hostname(), startedAt: new Date().toISOString(), command: 'killed', procStart: null };
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(stale));
    const children = Array.from({ length: 4 }, () => lockingChild(dir, 1500));
    const lines = await Promise.all(children.map(firstLine));
    const winners = lines.filter((l) => l.startsWith('locked '));
    assert.equal(winners.length, 1, lines.join('\n'));
    const winner = winners[0]!.slice('locked '.length);
    for (const l of lines.filter((x) => x.startsWith('refused '))) assert.match(l, new RegExp(`locked by pid ${winner} `));
    await Promise.all(children.map(exited));
    assert.ok(!existsSync(path.join(dir, LOCK_FILE)), 'the winner released it');
    assert.deepEqual(readdirSync(dir), [], 'no takeover markers or temporary files are left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock from another host or an unreadable lock is never taken over; the message says how to clear it', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, JSON.stringify({ pid: 1234, host: 'elsewhere.example', startedAt: new Date().toISOString(), command: 'x', procStart: null }));
    assert.throws(() => RunLock.acquire(dir, 'refract train'), /locked by pid 1234 on elsewhere\.example .* — if that process is gone, delete .*run\.lock/);
    writeFileSync(file, 'x'.repeat(10_000));
    assert.throws(() => RunLock.acquire(dir, 'refract train'), (e: unknown) => {
      assert.ok(e instanceof RunLockError);
      assert.match(e.message, /must be a lock written by refract, got unreadable content "x{80}…" \(10000 chars\) — if no run uses .*, delete the file/);
      return true;
    });
    assert.equal(readFileSync(file, 'utf8').length, 10_000, 'left as it was');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('release removes only a lock that is still ours', () => {
  const dir = tempDir();
  try {
    const lock = RunLock.acquire(dir, 'refract train');
    const theirs = JSON.stringify({ pid: 1, host: hostname(), startedAt: new Date().toISOString(), command: 'other', procStart: null });
    writeFileSync(path.join(dir, LOCK_FILE), theirs);
    lock.release();
    assert.equal(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), theirs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
