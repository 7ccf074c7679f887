// Training checkpoints on disk: one folder per saved step, written under a temporary name and renamed into place,
// so a process killed at any moment leaves either the previous checkpoint or the new one — never half of one.
//
//   <dir>/step-000500/{model,ema,optimizer}.safetensors + state.json
//   <dir>/latest.json  → { "step": 500, "path": "step-000500" }   (replaced atomically after the folder exists)
//
// Temporary names carry the writer's pid (`.step-000500.tmp-<pid>`, `latest.json.tmp-<pid>`): a failed save removes
// its own, and the next save removes those of writers that are no longer alive (a kill mid-write).
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from '../torch/index.js';
import { saveStateDict, loadStateDictFile } from '../torch/safetensors.js';
import { quoteValue } from '../config/errors.js';
import { pidAlive } from './run-lock.js';

export interface TrainingCheckpoint<S> {
  step: number;
  /** Named tensor groups, each one safetensors file: e.g. model, ema, optimizer. */
  tensors: Record<string, ReadonlyMap<string, Tensor>>;
  /** JSON-able state: optimizer scalars, scheduler, config, versions, metrics. */
  state: S;
}

export function stepFolderName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

const STEP_FOLDER = /^step-(\d{6,})$/;
const TEMP_ENTRY = /^(?:\.step-\d{6,}|latest\.json)\.tmp-(\d+)$/;

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Saves a checkpoint folder, points latest.json at it, and keeps only the newest `keep` + 1 folders. */
export function saveTrainingCheckpoint<S>(dir: string, ckpt: TrainingCheckpoint<S>, keep = 2): string {
  mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir);
  const name = stepFolderName(ckpt.step);
  const final = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    for (const [group, sd] of Object.entries(ckpt.tensors)) saveStateDict(path.join(tmp, `${group}.safetensors`), sd);
    writeFileSync(path.join(tmp, 'state.json'), `${JSON.stringify({ step: ckpt.step, state: ckpt.state }, null, 2)}\n`);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true }); // a failed save leaves the previous checkpoint and no temp folder
    throw err;
  }
  writeJsonAtomic(path.join(dir, 'latest.json'), { step: ckpt.step, path: name });
  pruneCheckpoints(dir, keep, name);
  return final;
}

/** Removes temporary checkpoint entries left by writers that are no longer running (a kill mid-save). */
export function removeStaleTemps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = TEMP_ENTRY.exec(f);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || !pidAlive(pid)) {
      rmSync(path.join(dir, f), { recursive: true, force: true });
      removed.push(f);
    }
  }
  return removed;
}

/** Steps of the complete checkpoint folders in `dir` (those holding state.json), ascending. */
export function checkpointSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => STEP_FOLDER.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(path.join(dir, m[0], 'state.json')))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

function pruneCheckpoints(dir: string, keep: number, latest: string): void {
  const folders = readdirSync(dir)
    .filter((f) => /^step-\d{6}$/.test(f))
    .sort();
  const doomed = folders.filter((f) => f !== latest).slice(0, Math.max(0, folders.length - 1 - keep));
  for (const f of doomed) rmSync(path.join(dir, f), { recursive: true, force: true });
}

/**
 * The step of the latest complete checkpoint in `dir`, or null when there is none. latest.json names it; without
 * latest.json (a kill between the folder's rename and the pointer's), the newest complete step folder is the latest.
 */
export function latestCheckpointStep(dir: string): number | null {
  const file = path.join(dir, 'latest.json');
  if (!existsSync(file)) return checkpointSteps(dir).at(-1) ?? null;
  const { step, path: p } = readLatest(file);
  if (!existsSync(path.join(dir, p, 'state.json'))) {
    throw new Error(`refract checkpoint: ${file} must point at a complete checkpoint, got ${quoteValue(p)}, which is incomplete — delete latest.json to resume from the newest complete step folder`);
  }
  return step;
}

/** latest.json, checked: {"step": n, "path": "step-00000n"}. */
function readLatest(file: string): { step: number; path: string } {
  const text = readFileSync(file, 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as { step?: unknown; path?: unknown };
  if (typeof o.step !== 'number' || !Number.isSafeInteger(o.step) || o.step < 0 || o.path !== stepFolderName(o.step)) {
    throw new Error(
      `refract checkpoint: ${file} must be JSON like {"step": 20, "path": "step-000020"}, got ${quoteValue(text.trim())} — ` +
        'the file is damaged; delete it to resume from the newest complete step folder',
    );
  }
  return { step: o.step, path: o.path };
}

/** Loads the checkpoint of `step` (default: the latest). Tensor groups are read fully into memory. */
export interface LoadedTrainingCheckpoint<S> extends TrainingCheckpoint<S> {
  tensors: Record<string, Map<string, Tensor>>;
}

export function loadTrainingCheckpoint<S>(dir: string, step?: number): LoadedTrainingCheckpoint<S> {
  const s = step ?? latestCheckpointStep(dir);
  if (s === null) throw new Error(`refract checkpoint: no checkpoint in ${dir} — train first, or drop --resume`);
  const folder = path.join(dir, stepFolderName(s));
  const json = readStateJson<S>(path.join(folder, 'state.json'));
  const tensors: Record<string, Map<string, Tensor>> = {};
  for (const f of readdirSync(folder).filter((f) => f.endsWith('.safetensors'))) {
    tensors[f.replace(/\.safetensors$/, '')] = loadStateDictFile(path.join(folder, f));
  }
  return { step: json.step, tensors, state: json.state };
}

function readStateJson<S>(file: string): { step: number; state: S } {
  if (!existsSync(file)) throw new Error(`refract checkpoint: ${file} must exist, got no such file — the checkpoint is incomplete; resume from another step`);
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { step?: unknown; state?: unknown };
    if (typeof v.step === 'number' && typeof v.state === 'object' && v.state !== null) return v as { step: number; state: S };
  } catch {
    // reported below
  }
  throw new Error(`refract checkpoint: ${file} must be JSON {"step": n, "state": {...}}, got a damaged file — resume from another step, or start a new run`);
}
