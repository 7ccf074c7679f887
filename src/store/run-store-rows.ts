// Raw SQLite rows of the run store → typed rows (JSON columns parsed, snake_case → camelCase).
import type {
  CheckpointRow,
  EvaluationRow,
  JsonValue,
  MonitorEventRow,
  RunRow,
  RunStatus,
  SampleMedia,
  SampleMediaKind,
  SampleRow,
  StepRow,
} from './run-store-types.js';
import type { PreferenceRow, Winner } from './run-store-preferences.js';

type Raw = Record<string, unknown>;

const json = <T = JsonValue>(v: unknown): T => JSON.parse(String(v)) as T;

export function runRow(r: Raw): RunRow {
  return {
    id: Number(r['id']),
    name: String(r['name']),
    kind: String(r['kind']),
    config: json(r['config']),
    seed: Number(r['seed']),
    versions: json<Record<string, string>>(r['versions']),
    status: String(r['status']) as RunStatus,
    createdAt: String(r['created_at']),
    updatedAt: String(r['updated_at']),
  };
}

export function stepRow(r: Raw): StepRow {
  return {
    step: Number(r['step']),
    metrics: json<Record<string, number | null>>(r['metrics']),
    wallTime: Number(r['wall_time']),
  };
}

export function evaluationRow(r: Raw): EvaluationRow {
  return {
    id: Number(r['id']),
    runId: Number(r['run_id']),
    step: Number(r['step']),
    suite: String(r['suite']),
    overall: Number(r['overall']),
    details: json(r['details']),
    createdAt: String(r['created_at']),
  };
}

export function sampleMediaRow(r: Raw): SampleMedia {
  return { kind: String(r['kind']) as SampleMediaKind, path: String(r['path']), meta: json(r['meta']) };
}

export function sampleRow(r: Raw, media: readonly SampleMedia[] = []): SampleRow {
  return {
    id: Number(r['id']),
    runId: Number(r['run_id']),
    step: Number(r['step']),
    prompt: String(r['prompt']),
    seed: Number(r['seed']),
    path: r['path'] === null ? null : String(r['path']),
    reward: json(r['reward']),
    media,
  };
}

export function checkpointRow(r: Raw): CheckpointRow {
  return {
    id: Number(r['id']),
    runId: Number(r['run_id']),
    step: Number(r['step']),
    path: String(r['path']),
    metrics: json<Record<string, number | null>>(r['metrics']),
    createdAt: String(r['created_at']),
  };
}

const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function preferenceRow(r: Raw): PreferenceRow {
  return {
    id: Number(r['id']),
    prompt: String(r['prompt']),
    aPath: optStr(r['a_path']),
    aRef: optStr(r['a_ref']),
    bPath: optStr(r['b_path']),
    bRef: optStr(r['b_ref']),
    winner: String(r['winner']) as Winner,
    source: String(r['source']),
    labeler: optStr(r['labeler']),
    createdAt: String(r['created_at']),
  };
}

export function monitorEventRow(r: Raw): MonitorEventRow {
  return {
    runId: Number(r['run_id']),
    step: Number(r['step']),
    monitor: String(r['monitor']),
    action: String(r['action']),
    reason: String(r['reason']),
    outcome: String(r['outcome']),
    createdAt: String(r['created_at']),
  };
}
