// Reads one run out of a run folder's SQLite store (runs.sqlite, written by `refract train`) into plain rows, so the
// report's analysis and rendering never touch the database. Reports sit after the store in the flow of DESIGN §1
// (store/ ─► eval/ reports): this file is the one place the report layer reads it.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { RunStore } from '../../store/run-store.js';
import type {
  CheckpointRow,
  DiagnosticRow,
  EvaluationRow,
  MonitorEventRow,
  RunRow,
  SampleMedia,
  SampleRow,
  StepRow,
} from '../../store/run-store-types.js';

/** The run store's file name inside a run folder. */
export const RUN_STORE_FILE = 'runs.sqlite';

/** Bad report input (no such folder, no store, unknown run id): `detail` says what and how to fix it. */
export class ReportInputError extends Error {
  constructor(readonly detail: string) {
    super(`refract report: ${detail}`);
    this.name = 'ReportInputError';
  }
}

/** A sample row with its PNG path made relative to the run folder (where report.html lives); null when absent. */
export interface ReportSample extends SampleRow {
  readonly href: string | null;
  /** Its media files, each with `href` relative to the run folder like the PNG's. */
  readonly media: readonly (SampleMedia & { readonly href: string })[];
}

export interface RunData {
  /** The run folder (absolute). */
  readonly runDir: string;
  readonly run: RunRow;
  /** Ids of every run in the store (a folder reused for several runs holds several). */
  readonly runIds: readonly number[];
  readonly steps: readonly StepRow[];
  readonly diagnostics: readonly DiagnosticRow[];
  readonly evaluations: readonly EvaluationRow[];
  /** What the training monitors did, with the rule and reason (stores before schema 4 hold none). */
  readonly monitorEvents: readonly MonitorEventRow[];
  readonly samples: readonly ReportSample[];
  /** The newest checkpoint (the store exposes no list of all of them), or null. */
  readonly latestCheckpoint: CheckpointRow | null;
}

/**
 * Loads run `runId` (default: the newest run) from `<runDir>/runs.sqlite`. Throws naming the folder and the fix when
 * the folder or its store is missing, or when the run id is not in it.
 */
export function loadRunData(runDir: string, runId?: number): RunData {
  // The store file itself is accepted too: its folder is the run folder.
  const given = path.resolve(runDir);
  const dir =
    path.basename(given) === RUN_STORE_FILE && existsSync(given) && statSync(given).isFile()
      ? path.dirname(given)
      : given;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ReportInputError(
      `RUN_DIR must be a run folder, got "${runDir}" (not a folder) — pass the --out folder of refract train`,
    );
  }
  const file = path.join(dir, RUN_STORE_FILE);
  if (!existsSync(file)) {
    throw new ReportInputError(
      `RUN_DIR must contain ${RUN_STORE_FILE}, got "${runDir}" without it — pass the --out folder of refract train`,
    );
  }
  const store = RunStore.open(file);
  try {
    const runIds = store.runs().map((r) => r.id);
    if (runIds.length === 0)
      throw new ReportInputError(`${file} must hold at least one run, got none — was training started?`);
    const id = runId ?? runIds[runIds.length - 1]!;
    if (!runIds.includes(id)) throw new ReportInputError(`run id must be one of ${runIds.join(', ')}, got ${id}`);
    return {
      runDir: dir,
      run: store.run(id),
      runIds,
      steps: store.metrics(id),
      diagnostics: store.diagnostics(id),
      evaluations: store.evaluations(id),
      monitorEvents: store.monitorEvents(id),
      samples: store.samples(id).map((s) => ({
        ...s,
        href: sampleHref(store.samplePath(s), dir),
        media: s.media.map((m) => ({ ...m, href: sampleHref(store.samplePath(m), dir)! })),
      })),
      latestCheckpoint: store.latestCheckpoint(id),
    };
  } finally {
    store.close();
  }
}

/** A PNG path relative to the run folder with forward slashes (an HTML href); null when the sample has none. */
function sampleHref(absolute: string | null, runDir: string): string | null {
  if (absolute === null) return null;
  return path.relative(runDir, absolute).split(path.sep).join('/');
}

/** One thing a training monitor did, as the report and the Studio list it. */
export interface MonitorActionSummary {
  readonly step: number;
  readonly monitor: string;
  /** 'warn' | 'raise_kl' | 'rollback' | 'stop'. */
  readonly action: string;
  /** The rule that fired and what it measured ('' for a store written before monitor events were recorded). */
  readonly reason: string;
  readonly outcome: string;
}

/**
 * A run's monitor actions: its monitor events (src/train/monitor-actions.ts), or, for a store written before they
 * were recorded, the diagnostics `monitor_<kind>` = 1 the loop wrote beside them (no monitor, rule or outcome then;
 * `monitor_rollback_to` is a target, not an action).
 */
export function monitorActions(events: readonly MonitorEventRow[], diagnostics: readonly DiagnosticRow[]): MonitorActionSummary[] {
  if (events.length > 0) return events.map(({ step, monitor, action, reason, outcome }) => ({ step, monitor, action, reason, outcome }));
  return diagnostics
    .filter((d) => d.name.startsWith('monitor_') && d.name !== 'monitor_rollback_to' && d.value !== null && d.value !== 0)
    .map((d) => ({ step: d.step, monitor: '', action: d.name.slice('monitor_'.length), reason: '', outcome: '' }));
}
