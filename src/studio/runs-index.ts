// What the Studio shows, found under the runs folder: run folders (a `runs.sqlite` each, written by `refract train`),
// comparisons (`compare.json` of `refract compare`) and reward cards (`reward-cards.json` of `refract audit`, and the
// Studio's own reward-model cards). Folders are named by their path relative to the runs folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RunStore } from '../store/run-store.js';
import type { RunRow } from '../store/run-store-types.js';
import { RUN_STORE_FILE } from '../eval/report/run-data.js';

export const COMPARE_FILE = 'compare.json';
/** The card of a reward model trained in the Studio on collected labels (./reward-model.ts). */
export const STUDIO_CARD_FILE = 'reward-card.json';
/** How deep below the runs folder run folders are looked for (runs/<name>/ and runs/<compare>/<algorithm>/). */
const MAX_DEPTH = 3;

export interface RunSummary {
  readonly folder: string;
  readonly id: number;
  readonly name: string;
  readonly algorithm: string;
  readonly status: RunRow['status'];
  readonly rewards: string;
  readonly lastStep: number | null;
  readonly iterations: number | null;
  /** Fraction done: by the sample budget (maxSamples) when the config has one, else by iterations. */
  readonly progress: number | null;
  readonly reward: number | null;
  readonly gold: number | null;
  readonly kl: number | null;
  readonly updatedAt: string;
}

/** Relative folders under `root` holding `file`, breadth first, at most MAX_DEPTH deep; dot-folders skipped. */
export function foldersWith(root: string, file: string): string[] {
  const found: string[] = [];
  const walk = (rel: string, depth: number): void => {
    const dir = path.join(root, rel);
    if (existsSync(path.join(dir, file))) found.push(rel);
    if (depth >= MAX_DEPTH) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      if (e.startsWith('.') || e === 'checkpoints' || e.endsWith('.samples')) continue;
      const sub = path.join(rel, e);
      if (statSync(path.join(root, sub), { throwIfNoEntry: false })?.isDirectory()) walk(sub, depth + 1);
    }
  };
  if (existsSync(root)) walk('', 0);
  return found;
}

/** Runs the store of `folder` holds, summarised for the runs page. */
export function summariseStore(root: string, folder: string): RunSummary[] {
  const store = RunStore.open(path.join(root, folder, RUN_STORE_FILE));
  try {
    return store.runs().map((run) => {
      const steps = store.metrics(run.id);
      const last = steps[steps.length - 1];
      const gold = store.evaluations(run.id).filter((e) => e.suite === 'shapes_eval');
      const config = (run.config ?? {}) as { iterations?: unknown; maxSamples?: unknown; rewards?: { kind?: unknown }[]; training?: { steps?: unknown } };
      const total = typeof config.iterations === 'number' ? config.iterations : config.training?.steps; // a pretrain run counts steps
      const used = last?.metrics['samplesUsed'] ?? null;
      return {
        folder,
        id: run.id,
        name: run.name,
        algorithm: run.kind,
        status: run.status,
        rewards: Array.isArray(config.rewards) ? config.rewards.map((r) => String(r.kind)).join(' + ') : '',
        lastStep: last?.step ?? null,
        iterations: typeof total === 'number' ? total : null,
        progress: progressOf(run.status, last?.step ?? null, used, total, config.maxSamples),
        reward: last?.metrics['reward'] ?? null,
        gold: gold[gold.length - 1]?.overall ?? null,
        kl: last?.metrics['klToReference'] ?? null,
        updatedAt: run.updatedAt,
      };
    });
  } finally {
    store.close();
  }
}

function progressOf(status: string, step: number | null, used: number | null, iterations: unknown, maxSamples: unknown): number | null {
  if (status === 'finished') return 1;
  if (typeof maxSamples === 'number' && used !== null) return Math.min(1, used / maxSamples);
  if (typeof iterations === 'number' && step !== null) return Math.min(1, step / iterations);
  return null;
}

export function listRuns(root: string): RunSummary[] {
  return foldersWith(root, RUN_STORE_FILE).flatMap((f) => summariseStore(root, f));
}

/** The JSON documents named `file` under `root`, each with its folder. */
export function listJson(root: string, file: string): { folder: string; data: unknown }[] {
  return foldersWith(root, file).map((folder) => ({
    folder,
    data: JSON.parse(readFileSync(path.join(root, folder, file), 'utf8')) as unknown,
  }));
}
