// The run store: one SQLite file per project (or per run) holding runs, per-step metrics and diagnostics,
// evaluations, samples (PNG files beside the database), checkpoints and pairwise preferences.
//
// Durability: WAL + synchronous=NORMAL (see run-store-schema.ts, applyPragmas). Each logStep is one transaction, so
// after a crash the steps present are a contiguous prefix and no step is half-written.
//
//   const store = RunStore.open('runs/refract.db');
//   const run = store.createRun({ name: 'grpo-shapes', kind: 'grpo', config, seed: 0 });
//   store.logStep(run, 1, { loss: 0.1, reward: 0.4 }, { kl: 0.01 });
//   store.close();
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { noRunError, withConstraintErrors, writeFileAtomic, writeSampleFile } from './run-store-files.js';
import path from 'node:path';
import { applyPragmas, migrate } from './run-store-schema.js';
import {
  metricsJson,
  now,
  toJson,
  type CheckpointRow,
  type DiagnosticRow,
  type EvaluationInput,
  type EvaluationRow,
  type Metrics,
  type MonitorEventInput,
  type MonitorEventRow,
  type RunInput,
  type RunRow,
  type RunStatus,
  type SampleInput,
  type SampleMedia,
  type SampleRow,
  type StepRow,
} from './run-store-types.js';
import { checkPreference, type PreferenceInput, type PreferenceRow } from './run-store-preferences.js';
import {
  insertPreferences,
  parsePreferencesJsonl,
  preferencesToJsonl,
  readPreferences,
} from './run-store-preference-io.js';
import { checkpointRow, evaluationRow, monitorEventRow, runRow, sampleMediaRow, sampleRow, stepRow } from './run-store-rows.js';

type Raw = Record<string, unknown>;

export class RunStore {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (creating if needed) the store at `file`, applies the pragmas and pending migrations. */
  static open(file: string): RunStore {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    try {
      applyPragmas(db);
      migrate(db, file);
    } catch (err) {
      db.close();
      const code = (err as { code?: unknown }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new Error(`refract RunStore.open: ${file} must be a SQLite run store, got a file that is not one (${code}) — pass the runs.sqlite of a run, or restore it`);
      }
      throw err;
    }
    return new RunStore(file, db);
  }

  /**
   * Opens a store that must already exist (a reader: report, resume, preference files): a missing file is an error
   * naming the path, and no empty database is left behind.
   */
  static openExisting(file: string, where: string, fix: string): RunStore {
    if (!existsSync(file)) throw new Error(`refract ${where}: ${file} must exist, got no such file — ${fix}`);
    return RunStore.open(file);
  }

  /** Folder beside the database where addSample writes PNGs: `<db name>.samples/`. */
  get samplesDir(): string {
    return `${path.resolve(this.file)}.samples`;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---------- runs ----------

  createRun(input: RunInput): number {
    const w = 'RunStore.createRun';
    if (!input.name)
      throw new Error(`refract ${w}: name must be a non-empty string, got ${JSON.stringify(input.name)}`);
    if (!input.kind)
      throw new Error(`refract ${w}: kind must be a non-empty string (e.g. 'grpo'), got ${JSON.stringify(input.kind)}`);
    if (!Number.isSafeInteger(input.seed)) throw new Error(`refract ${w}: seed must be an integer, got ${input.seed}`);
    const t = now();
    const info = this.stmt(
      `INSERT INTO runs (name, kind, config, seed, versions, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`,
    ).run(
      input.name,
      input.kind,
      toJson(input.config, w, 'config'),
      input.seed,
      toJson(input.versions ?? { node: process.version }, w, 'versions'),
      t,
      t,
    );
    return Number(info.lastInsertRowid);
  }

  run(runId: number): RunRow {
    const r = this.stmt('SELECT * FROM runs WHERE id = ?').get(runId) as Raw | undefined;
    if (r === undefined) throw noRunError('RunStore.run', runId);
    return runRow(r);
  }

  runs(): RunRow[] {
    return (this.stmt('SELECT * FROM runs ORDER BY id').all() as Raw[]).map(runRow);
  }

  setStatus(runId: number, status: RunStatus): void {
    const info = this.stmt('UPDATE runs SET status = ?, updated_at = ? WHERE id = ?').run(status, now(), runId);
    if (info.changes === 0) throw noRunError('RunStore.setStatus', runId);
  }

  // ---------- steps and diagnostics ----------

  /** Logs a step's metrics and diagnostics in one transaction: after a crash either all of it is there or none. */
  logStep(
    runId: number,
    step: number,
    metrics: Metrics,
    diagnostics: Metrics = {},
    wallTime = Date.now() / 1000,
  ): void {
    const w = 'RunStore.logStep';
    if (!Number.isSafeInteger(step) || step < 0)
      throw new Error(`refract ${w}: step must be an integer ≥ 0, got ${step}`);
    const m = metricsJson(metrics, w);
    metricsJson(diagnostics, w);
    const insStep = this.stmt('INSERT INTO steps (run_id, step, metrics, wall_time) VALUES (?, ?, ?, ?)');
    const insDiag = this.stmt('INSERT INTO diagnostics (run_id, step, name, value) VALUES (?, ?, ?, ?)');
    const touch = this.stmt('UPDATE runs SET updated_at = ? WHERE id = ?');
    withConstraintErrors(w, runId, `step ${step}`, () =>
      this.db.transaction(() => {
        insStep.run(runId, step, m, wallTime);
        for (const [name, v] of Object.entries(diagnostics))
          insDiag.run(runId, step, name, v !== null && Number.isFinite(v) ? v : null);
        touch.run(now(), runId);
      })(),
    );
  }

  metrics(runId: number): StepRow[] {
    return (this.stmt('SELECT * FROM steps WHERE run_id = ? ORDER BY step').all(runId) as Raw[]).map(stepRow);
  }

  lastStep(runId: number): number | null {
    const r = this.stmt('SELECT MAX(step) AS s FROM steps WHERE run_id = ?').get(runId) as { s: number | null };
    return r.s;
  }

  diagnostics(runId: number, name?: string): DiagnosticRow[] {
    const rows = (
      name === undefined
        ? this.stmt('SELECT step, name, value FROM diagnostics WHERE run_id = ? ORDER BY step, name').all(runId)
        : this.stmt('SELECT step, name, value FROM diagnostics WHERE run_id = ? AND name = ? ORDER BY step').all(
            runId,
            name,
          )
    ) as Raw[];
    return rows.map((r) => ({
      step: Number(r['step']),
      name: String(r['name']),
      value: r['value'] === null ? null : Number(r['value']),
    }));
  }

  // ---------- evaluations, samples, checkpoints ----------

  logEvaluation(runId: number, e: EvaluationInput): number {
    const w = 'RunStore.logEvaluation';
    const sql = 'INSERT INTO evaluations (run_id, step, suite, overall, details, created_at) VALUES (?, ?, ?, ?, ?, ?)';
    const details = toJson(e.details ?? {}, w, 'details');
    return withConstraintErrors(w, runId, `evaluation ${e.suite}`, () =>
      Number(this.stmt(sql).run(runId, e.step, e.suite, e.overall, details, now()).lastInsertRowid),
    );
  }

  evaluations(runId: number): EvaluationRow[] {
    return (this.stmt('SELECT * FROM evaluations WHERE run_id = ? ORDER BY step, id').all(runId) as Raw[]).map(
      evaluationRow,
    );
  }

  /**
   * Records a monitor's action. Idempotent: a resumed run replays the iterations after its last checkpoint and its
   * monitor fires again at the same evaluation with the same reason — that is one event, not two.
   */
  logMonitorEvent(runId: number, e: MonitorEventInput): void {
    const sql = 'INSERT OR IGNORE INTO monitor_events (run_id, step, monitor, action, reason, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
    withConstraintErrors('RunStore.logMonitorEvent', runId, `monitor event of step ${e.step}`, () =>
      this.stmt(sql).run(runId, e.step, e.monitor, e.action, e.reason, e.outcome, now()),
    );
  }

  /** The run's monitor events in the order they happened. */
  monitorEvents(runId: number): MonitorEventRow[] {
    return (this.stmt('SELECT * FROM monitor_events WHERE run_id = ? ORDER BY step, rowid').all(runId) as Raw[]).map(monitorEventRow);
  }

  /**
   * Records a sample; PNG bytes (and its media files) are written to samplesDir/run-<id>/ and the paths stored
   * relative to the DB folder, in the same transaction as the row.
   */
  addSample(runId: number, s: SampleInput): number {
    const w = 'RunStore.addSample';
    if (s.png !== undefined && s.path !== undefined)
      throw new Error(`refract ${w}: png and path must not both be given — pass one`);
    const kinds = (s.media ?? []).map((m) => m.kind);
    if (new Set(kinds).size !== kinds.length)
      throw new Error(`refract ${w}: media must hold at most one file per kind, got ${kinds.join(', ')} — pass one of each`);
    const reward = toJson(s.reward, w, 'reward');
    const metas = (s.media ?? []).map((m) => toJson(m.meta ?? {}, w, `media ${m.kind} meta`));
    const ins = this.stmt('INSERT INTO samples (run_id, step, prompt, seed, path, reward) VALUES (?, ?, ?, ?, ?, ?)');
    const baseDir = path.dirname(path.resolve(this.file));
    return withConstraintErrors(w, runId, `sample of step ${s.step}`, () =>
      this.db.transaction(() => {
        const id = Number(ins.run(runId, s.step, s.prompt, s.seed, s.path ?? null, reward).lastInsertRowid);
        const at = { runId, step: s.step, id };
        if (s.png !== undefined) {
          const rel = writeSampleFile(this.samplesDir, baseDir, at, '.png', s.png);
          this.stmt('UPDATE samples SET path = ? WHERE id = ?').run(rel, id);
        }
        (s.media ?? []).forEach((m, k) => {
          const rel = writeSampleFile(this.samplesDir, baseDir, at, `-${m.kind}.${m.ext}`, m.bytes);
          this.stmt('INSERT INTO sample_media (sample_id, kind, path, meta) VALUES (?, ?, ?, ?)').run(id, m.kind, rel, metas[k]);
        });
        return id;
      })(),
    );
  }

  samples(runId: number): SampleRow[] {
    const media = new Map<number, SampleMedia[]>();
    const sql = 'SELECT m.* FROM sample_media m JOIN samples s ON s.id = m.sample_id WHERE s.run_id = ? ORDER BY m.sample_id, m.kind';
    for (const r of this.stmt(sql).all(runId) as Raw[]) {
      const id = Number(r['sample_id']);
      media.set(id, [...(media.get(id) ?? []), sampleMediaRow(r)]);
    }
    return (this.stmt('SELECT * FROM samples WHERE run_id = ? ORDER BY step, id').all(runId) as Raw[]).map((r) =>
      sampleRow(r, media.get(Number(r['id'])) ?? []),
    );
  }

  /** A sample's (or one of its media files') path resolved against the database's folder (null when it has none). */
  samplePath(row: Pick<SampleRow, 'path'>): string | null {
    return row.path === null ? null : path.resolve(path.dirname(path.resolve(this.file)), row.path);
  }

  addCheckpoint(runId: number, step: number, checkpointPath: string, metrics: Metrics = {}): number {
    const w = 'RunStore.addCheckpoint';
    const sql = 'INSERT INTO checkpoints (run_id, step, path, metrics, created_at) VALUES (?, ?, ?, ?, ?)';
    const m = metricsJson(metrics, w);
    return withConstraintErrors(w, runId, `checkpoint ${step}`, () =>
      Number(this.stmt(sql).run(runId, step, checkpointPath, m, now()).lastInsertRowid),
    );
  }

  /** Forgets the run's checkpoints whose step is not in `kept` (their folders were pruned); returns how many. */
  forgetCheckpointsExcept(runId: number, kept: readonly number[]): number {
    const rows = this.stmt('SELECT id, step FROM checkpoints WHERE run_id = ?').all(runId) as { id: number; step: number }[];
    const keep = new Set(kept);
    const del = this.stmt('DELETE FROM checkpoints WHERE id = ?');
    const doomed = rows.filter((r) => !keep.has(r.step));
    this.db.transaction(() => doomed.forEach((r) => del.run(r.id)))();
    return doomed.length;
  }

  /** The run's checkpoints, by step. */
  checkpoints(runId: number): CheckpointRow[] {
    return (this.stmt('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step, id').all(runId) as Raw[]).map(checkpointRow);
  }

  /** The checkpoint with the highest step (the newest among equal steps), or null. */
  latestCheckpoint(runId: number): CheckpointRow | null {
    const r = this.stmt('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step DESC, id DESC LIMIT 1').get(runId) as
      Raw | undefined;
    return r === undefined ? null : checkpointRow(r);
  }

  // ---------- preferences ----------

  addPreference(p: PreferenceInput): number {
    checkPreference(p, 'RunStore.addPreference');
    return insertPreferences(this.db, [p])[0]!;
  }

  preferences(): PreferenceRow[] {
    return readPreferences(this.db);
  }

  /** All preferences as JSONL (one object per line, trailing newline); also written to `file` when given. */
  exportPreferencesJsonl(file?: string): string {
    const text = preferencesToJsonl(this.preferences());
    if (file !== undefined) {
      writeFileAtomic(file, text);
    }
    return text;
  }

  /**
   * Imports JSONL text (or `{ file }`): every line is validated first; a bad line throws naming its line number
   * and field, and nothing is written. Blank lines are skipped. Returns the number imported.
   */
  importPreferencesJsonl(source: string | { readonly file: string }): number {
    const text = typeof source === 'string' ? source : readFileSync(source.file, 'utf8');
    return insertPreferences(this.db, parsePreferencesJsonl(text, 'RunStore.importPreferencesJsonl')).length;
  }

  // ---------- maintenance ----------

  /** SQLite's integrity_check: 'ok' when the file is sound. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
  }

  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  schemaVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
