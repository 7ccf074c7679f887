// The run store's schema and its migrations. The version lives in SQLite's `user_version` pragma; each migration
// moves it by one, inside the same transaction as its DDL, so a crash mid-migration leaves the old version intact.
// Append new migrations at the end; never edit a shipped one.
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
  /**
   * The migration rebuilds a table other tables reference (SQLite cannot alter a CHECK in place): it runs with
   * foreign keys off so dropping the old table does not cascade, and is checked with foreign_key_check before commit
   * (SQLite's "making other kinds of table schema changes" procedure).
   */
  readonly rebuildsReferencedTable?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, steps, diagnostics, evaluations, samples, checkpoints, preferences',
    sql: `
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        seed INTEGER NOT NULL,
        versions TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'stopped')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE steps (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        metrics TEXT NOT NULL,
        wall_time REAL NOT NULL,
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;
      CREATE TABLE diagnostics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        name TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, step, name)
      ) WITHOUT ROWID;
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        suite TEXT NOT NULL,
        overall REAL NOT NULL,
        details TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX evaluations_run ON evaluations (run_id, step);
      CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        prompt TEXT NOT NULL,
        seed INTEGER NOT NULL,
        path TEXT,
        reward TEXT NOT NULL
      );
      CREATE INDEX samples_run ON samples (run_id, step);
      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        path TEXT NOT NULL,
        metrics TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX checkpoints_run ON checkpoints (run_id, step);
      CREATE TABLE preferences (
        id INTEGER PRIMARY KEY,
        prompt TEXT NOT NULL,
        a_path TEXT,
        a_ref TEXT,
        b_path TEXT,
        b_ref TEXT,
        winner TEXT NOT NULL CHECK (winner IN ('a', 'b', 'tie')),
        source TEXT NOT NULL,
        labeler TEXT,
        created_at TEXT NOT NULL,
        CHECK (a_path IS NOT NULL OR a_ref IS NOT NULL),
        CHECK (b_path IS NOT NULL OR b_ref IS NOT NULL)
      );
    `,
  },
  {
    version: 2,
    description: "run status 'interrupted' (SIGINT/SIGTERM, resumable) and 'diverged' (stopped by the divergence rule)",
    rebuildsReferencedTable: true,
    sql: `
      CREATE TABLE runs_v2 (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        seed INTEGER NOT NULL,
        versions TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'stopped', 'interrupted', 'diverged')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      INSERT INTO runs_v2 (id, name, kind, config, seed, versions, status, created_at, updated_at)
        SELECT id, name, kind, config, seed, versions, status, created_at, updated_at FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_v2 RENAME TO runs;
    `,
  },
  {
    version: 3,
    description: "sample media: files that belong to a sample beside its image (its x̂₀ 'trajectory' strip, its video 'clip')",
    sql: `
      CREATE TABLE sample_media (
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('trajectory', 'clip')),
        path TEXT NOT NULL,
        meta TEXT NOT NULL,
        PRIMARY KEY (sample_id, kind)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    description: 'monitor events: every action a training monitor took, with the rule and what it measured (the reason) and what the loop did (the outcome)',
    sql: `
      CREATE TABLE monitor_events (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        monitor TEXT NOT NULL,
        action TEXT NOT NULL,
        reason TEXT NOT NULL,
        outcome TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, step, monitor, action, reason)
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Durability settings, applied on every open:
 * - WAL: readers never block the writer, and a commit is one append to the -wal file.
 * - synchronous=NORMAL: the WAL is fsynced at checkpoints, not at every commit. Trade-off: on power loss or an OS
 *   crash the last transaction(s) since the last sync may be lost (the database stays consistent); a killed process
 *   (SIGKILL, OOM) loses nothing that was committed, because committed pages are already in the OS page cache.
 *   FULL would fsync every commit (≈ a disk flush per training step) for protection only against power loss.
 * - foreign_keys=ON, busy_timeout so a second process (a report reader) waits instead of failing.
 */
export function applyPragmas(db: Database.Database): void {
  db.pragma('busy_timeout = 5000'); // first: switching a new file to WAL waits for a concurrent opener, too
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

/** Brings the database to SCHEMA_VERSION; returns the version found before. */
export function migrate(db: Database.Database, file: string): number {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > SCHEMA_VERSION) {
    throw new Error(
      `refract RunStore.open: schema version must be ≤ ${SCHEMA_VERSION}, got ${found} in ${file} — ` +
        'this database was written by a newer Refract; upgrade Refract to read it',
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= found) continue;
    if (m.rebuildsReferencedTable) db.pragma('foreign_keys = OFF'); // a no-op inside a transaction: set before it
    try {
      // IMMEDIATE takes the write lock first (waiting busy_timeout), then the version is read again: a second process
      // opening the store while the first creates it waits, sees the migration done, and skips it.
      db.transaction(() => {
        if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
        db.exec(m.sql);
        if (m.rebuildsReferencedTable && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
          throw new Error(`refract RunStore.open: migration ${m.version} of ${file} must keep every reference intact, got dangling rows — restore the file from a backup`);
        }
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } finally {
      if (m.rebuildsReferencedTable) db.pragma('foreign_keys = ON');
    }
  }
  return found;
}
