// Training checkpoints on disk: one folder per saved step, written under a temporary name and renamed into place,
// so a process killed at any moment leaves either the previous checkpoint or the new one — never half of one.
//
//   <dir>/step-000500/{model,ema,optimizer}.safetensors + state.json
//   <dir>/latest.json  → { "step": 500, "path": "step-000500" }   (replaced atomically after the folder exists)
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from '../torch/index.js';
import { saveStateDict, loadStateDictFile } from '../torch/safetensors.js';

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

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Saves a checkpoint folder, points latest.json at it, and keeps only the newest `keep` + 1 folders. */
export function saveTrainingCheckpoint<S>(dir: string, ckpt: TrainingCheckpoint<S>, keep = 2): string {
  mkdirSync(dir, { recursive: true });
  const name = stepFolderName(ckpt.step);
  const final = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const [group, sd] of Object.entries(ckpt.tensors)) saveStateDict(path.join(tmp, `${group}.safetensors`), sd);
  writeFileSync(path.join(tmp, 'state.json'), `${JSON.stringify({ step: ckpt.step, state: ckpt.state }, null, 2)}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeJsonAtomic(path.join(dir, 'latest.json'), { step: ckpt.step, path: name });
  pruneCheckpoints(dir, keep, name);
  return final;
}

function pruneCheckpoints(dir: string, keep: number, latest: string): void {
  const folders = readdirSync(dir)
    .filter((f) => /^step-\d{6}$/.test(f))
    .sort();
  const doomed = folders.filter((f) => f !== latest).slice(0, Math.max(0, folders.length - 1 - keep));
  for (const f of doomed) rmSync(path.join(dir, f), { recursive: true, force: true });
}

/** The step of the latest complete checkpoint in `dir`, or null when there is none. */
export function latestCheckpointStep(dir: string): number | null {
  const file = path.join(dir, 'latest.json');
  if (!existsSync(file)) return null;
  const { step, path: p } = JSON.parse(readFileSync(file, 'utf8')) as { step: number; path: string };
  if (!existsSync(path.join(dir, p, 'state.json'))) {
    throw new Error(`refract checkpoint: ${file} points at ${p}, which is incomplete — delete latest.json to start over`);
  }
  return step;
}

/** Loads the checkpoint of `step` (default: the latest). Tensor groups are read fully into memory. */
export interface LoadedTrainingCheckpoint<S> extends TrainingCheckpoint<S> {
  tensors: Record<string, Map<string, Tensor>>;
}

export function loadTrainingCheckpoint<S>(dir: string, step?: number): LoadedTrainingCheckpoint<S> {
  const s = step ?? latestCheckpointStep(dir);
  if (s === null) throw new Error(`refract checkpoint: no checkpoint in ${dir} — train first, or drop --resume`);
  const folder = path.join(dir, stepFolderName(s));
  const json = JSON.parse(readFileSync(path.join(folder, 'state.json'), 'utf8')) as { step: number; state: S };
  const tensors: Record<string, Map<string, Tensor>> = {};
  for (const f of readdirSync(folder).filter((f) => f.endsWith('.safetensors'))) {
    tensors[f.replace(/\.safetensors$/, '')] = loadStateDictFile(path.join(folder, f));
  }
  return { step: json.step, tensors, state: json.state };
}
