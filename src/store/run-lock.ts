// A run folder is owned by one process: `<out>/run.lock` names it (pid, host, start time, command).
//
// Acquire: the lock is written in full to a private temporary file and hard-linked to `run.lock`; link(2) fails with
// EEXIST when the lock exists, so exactly one process wins and no reader ever sees a half-written lock (the
// O_EXCL idea of open(…, 'wx'), without the moment where the file exists but is empty).
// Refuse: a lock whose owner is alive refuses the run at once, naming the owner's pid and host.
// Stale: a lock whose owner is dead (same host, and the pid is gone or is now another process — /proc start time)
// is taken over. Only one process may remove a given stale lock: it first creates `run.lock.takeover-<owner id>`
// with O_EXCL, re-reads the lock, removes it only if it is still that same stale lock, then links its own.
// Release: on release() or process exit; only a lock that is still ours is removed.
// A lock from another host cannot be checked and is never taken over: the message says how to remove it.
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UsageError, quoteValue } from '../config/errors.js';

export const LOCK_FILE = 'run.lock';

/** What a lock file holds. `procStart` is the owner's start time in clock ticks since boot (Linux), to tell pid reuse. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  procStart: number | null;
}

/** Refused: another live process owns the folder (exit 2 from the CLI: nothing was written). */
export class RunLockError extends UsageError {
  constructor(
    message: string,
    readonly owner: LockOwner | null,
  ) {
    super(message);
    this.name = 'RunLockError';
  }
}

/** Whether `pid` is a running process on this host (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (start time after boot, in clock ticks), or null where there is no /proc. */
export function procStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": field 3 onwards
    const t = Number(fields[19]);
    return Number.isFinite(t) ? t : null;
  } catch {
    return null;
  }
}

/** Whether the lock's owner still runs: same host, pid alive, and (where known) the same process start time. */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // cannot tell: assume alive
  if (!pidAlive(owner.pid)) return false;
  if (owner.procStart === null) return true;
  const now = procStartTime(owner.pid);
  return now === null || now === owner.procStart;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.startedAt !== 'string') return null;
    return { pid: o.pid, host: o.host, startedAt: o.startedAt, command: String(o.command ?? ''), procStart: typeof o.procStart === 'number' ? o.procStart : null };
  } catch {
    return null;
  }
}

function readOwner(file: string): { text: string; owner: LockOwner | null } | null {
  try {
    const text = readFileSync(file, 'utf8');
    return { text, owner: parseOwner(text) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export class RunLock {
  #released = false;
  readonly #onExit = (): void => this.release();

  private constructor(
    readonly file: string,
    readonly text: string,
  ) {
    process.on('exit', this.#onExit);
  }

  /**
   * Takes `<dir>/run.lock` for this process (creating `dir`), taking over a stale lock; throws RunLockError when a
   * live process owns it. `where` prefixes messages ("refract train"), `field` names the folder's config field in
   * them (default "out"), `command` is recorded in the lock.
   */
  static acquire(dir: string, where: string, o: { field?: string; command?: string } = {}): RunLock {
    const command = o.command ?? process.argv.slice(1).join(' ');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOCK_FILE);
    const text = `${JSON.stringify(ourOwner(command))}\n`;
    for (let attempt = 0; attempt < 50; attempt++) {
      if (tryLink(file, text)) return new RunLock(file, text);
      const found = readOwner(file);
      if (found === null) continue; // released between our link and our read: try again
      if (found.owner === null) {
        throw new RunLockError(
          `${where}: ${file} must be a lock written by refract, got unreadable content ${quoteValue(found.text)} — if no run uses ${dir}, delete the file`,
          null,
        );
      }
      if (ownerAlive(found.owner)) throw refused(where, o.field ?? 'out', dir, file, found.owner);
      takeOver(file, found.text, found.owner, where);
    }
    throw new RunLockError(`${where}: ${file} must settle on one owner, got it changing hands 50 times — retry in a moment`, null);
  }

  /** Throws RunLockError when a live process owns `<dir>/run.lock` (without taking it). */
  static assertFree(dir: string, where: string, field = 'out'): void {
    const file = path.join(dir, LOCK_FILE);
    const found = existsSync(file) ? readOwner(file) : null;
    if (found?.owner && ownerAlive(found.owner)) throw refused(where, field, dir, file, found.owner);
  }

  /** The owner recorded in `<dir>/run.lock`, or null. */
  static owner(dir: string): LockOwner | null {
    return readOwner(path.join(dir, LOCK_FILE))?.owner ?? null;
  }

  /** Removes the lock if it is still ours (idempotent). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    process.off('exit', this.#onExit);
    const found = readOwner(this.file);
    if (found !== null && found.text === this.text) rmSync(this.file, { force: true });
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

function ourOwner(command: string): LockOwner {
  const cmd = command.length > 200 ? `${command.slice(0, 200)}…` : command;
  return { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: cmd, procStart: procStartTime(process.pid) };
}

/** Writes the full lock to a private file and links it into place; false when a lock already exists. */
function tryLink(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, text, { flag: 'wx' });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes the stale lock `staleText` (owner dead) unless another process is already doing so or has done so. The
 * takeover marker is named after the stale owner, so exactly one process handles one stale lock.
 */
function takeOver(file: string, staleText: string, stale: LockOwner, where: string): void {
  const marker = `${file}.takeover-${stale.pid}-${stale.procStart ?? Date.parse(stale.startedAt)}`;
  let fd: number;
  try {
    fd = openSync(marker, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    waitBriefly(); // another process is taking this stale lock over: look again
    const holder = readOwner(marker);
    if (holder?.owner && !ownerAlive(holder.owner)) {
      throw new RunLockError(
        `${where}: ${file} must not be half taken over, got a takeover interrupted (${marker}) — if no run uses the folder, delete ${LOCK_FILE} and the marker`,
        holder.owner,
      );
    }
    return;
  }
  try {
    writeFileSync(fd, `${JSON.stringify(ourOwner('takeover'))}\n`);
    const now = readOwner(file);
    if (now !== null && now.text === staleText) unlinkSync(file);
  } finally {
    closeSync(fd);
    rmSync(marker, { force: true });
  }
}

function waitBriefly(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

function refused(where: string, field: string, dir: string, file: string, o: LockOwner): RunLockError {
  const local = o.host === hostname();
  const fix = local
    ? `wait for it to finish or stop it (kill ${o.pid}), or set another ${field}`
    : `if that process is gone, delete ${file}; or set another ${field}`;
  return new RunLockError(
    `${where}: ${field} must not be in use by another process, got ${quoteValue(dir)} locked by pid ${o.pid} on ${o.host} since ${o.startedAt} — ${fix}`,
    o,
  );
}
