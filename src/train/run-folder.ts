// A training run's folder while a process works in it: the run lock (src/store/run-lock.ts) taken before anything
// is read or written, and the undo of a fresh run that failed before its first checkpoint — what it created is
// removed (the whole folder when it did not exist before), so a failed start never leaves a half-made run folder
// that blocks the rerun. A run with a checkpoint, or a resumed one, is never touched.
import { existsSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { LOCK_FILE, RunLock } from '../store/run-lock.js';
import { ConfigError } from '../config/load.js';
import { quoteValue } from '../config/errors.js';

export class RunFolder {
  #started = false;

  private constructor(
    readonly dir: string,
    readonly lock: RunLock,
    /** Entries present before this process took the folder; null when the folder did not exist. */
    readonly before: ReadonlySet<string> | null,
  ) {}

  /** Locks `dir` (creating it) for this process; throws RunLockError when another live process owns it. */
  static claim(dir: string, where: string): RunFolder {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new ConfigError(where, [`field "out" must be a folder, got ${quoteValue(dir)}, which is a file — set another out`]);
    }
    const before = existsSync(dir) ? new Set(readdirSync(dir)) : null;
    const lock = RunLock.acquire(dir, where);
    return new RunFolder(dir, lock, before);
  }

  /** The run has a checkpoint (or was resumed): from now on nothing is removed on failure. */
  markStarted(): void {
    this.#started = true;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Removes what this process created in the folder, unless the run started; call before release(). */
  discardUnstarted(): void {
    if (this.#started) return;
    for (const f of readdirSync(this.dir)) {
      if (f === LOCK_FILE || this.before?.has(f)) continue;
      rmSync(path.join(this.dir, f), { recursive: true, force: true });
    }
  }

  /** Releases the lock; a folder this process created and left empty is removed. */
  release(): void {
    this.lock.release();
    if (this.before === null && existsSync(this.dir) && readdirSync(this.dir).length === 0) rmdirSync(this.dir);
  }
}
