// Row types of the run store and the JSON helpers its columns use.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * 'finished' ran to its end; 'stopped' a monitor ended it; 'failed' the NaN/Inf policy stopped it; 'diverged' the
 * divergence rule stopped it (src/train/divergence.ts); 'interrupted' SIGINT/SIGTERM ended it between iterations
 * (resumable); 'running' while it runs, or after a kill -9.
 */
export type RunStatus = 'running' | 'finished' | 'failed' | 'stopped' | 'interrupted' | 'diverged';

/** Scalar metrics of a step, evaluation or checkpoint (NaN and ±Infinity are stored as null). */
export type Metrics = Readonly<Record<string, number | null>>;

export interface RunInput {
  readonly name: string;
  /** What the run is: 'pretrain', 'grpo', 'ddpo', 'dpo', ... */
  readonly kind: string;
  /** The run's frozen config (any JSON-serialisable value). */
  readonly config: unknown;
  readonly seed: number;
  /** Versions of what produced the run (refract, torch, node, git commit, ...). */
  readonly versions?: Readonly<Record<string, string>>;
}

export interface RunRow {
  readonly id: number;
  readonly name: string;
  readonly kind: string;
  readonly config: JsonValue;
  readonly seed: number;
  readonly versions: Record<string, string>;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StepRow {
  readonly step: number;
  readonly metrics: Record<string, number | null>;
  /** Seconds since the epoch when the step was logged. */
  readonly wallTime: number;
}

export interface DiagnosticRow {
  readonly step: number;
  readonly name: string;
  readonly value: number | null;
}

export interface EvaluationInput {
  readonly step: number;
  readonly suite: string;
  readonly overall: number;
  readonly details?: unknown;
}

export interface EvaluationRow extends EvaluationInput {
  readonly id: number;
  readonly runId: number;
  readonly details: JsonValue;
  readonly createdAt: string;
}

/** One action a training monitor took at an evaluation (src/train/monitor-actions.ts). */
export interface MonitorEventInput {
  readonly step: number;
  /** The monitor's name (e.g. 'hacking'). */
  readonly monitor: string;
  /** 'warn' | 'raise_kl' | 'rollback' | 'stop'. */
  readonly action: string;
  /** The rule that fired and what it measured, e.g. "gold-drop at iteration 32: gold 0.672 is 0.024 below its best 0.696". */
  readonly reason: string;
  /** What the loop did about it, e.g. 'logged', 'rolled back to the evaluation of iteration 16'. */
  readonly outcome: string;
}

export interface MonitorEventRow extends MonitorEventInput {
  readonly runId: number;
  readonly createdAt: string;
}

export interface SampleInput {
  readonly step: number;
  readonly prompt: string;
  readonly seed: number;
  /** Encoded PNG bytes: written beside the database (see RunStore.samplesDir) and the relative path stored. */
  readonly png?: Uint8Array;
  /** Or a path already written (stored as given). */
  readonly path?: string;
  /** Reward total and components, or any JSON. */
  readonly reward: unknown;
  /** Files that belong to the sample (at most one per kind), written beside its PNG. */
  readonly media?: readonly SampleMediaInput[];
}

/**
 * What a sample's media file shows: 'trajectory' — its x̂₀ predictions across denoising steps, one image per kept
 * step left to right (meta: { steps, sigmas }); 'clip' — the sample itself when it is a video (meta: { frames, fps }).
 */
export const SAMPLE_MEDIA_KINDS = ['trajectory', 'clip'] as const;
export type SampleMediaKind = (typeof SAMPLE_MEDIA_KINDS)[number];

export interface SampleMediaInput {
  readonly kind: SampleMediaKind;
  /** File extension of `bytes`: 'png', 'gif' or 'webm'. */
  readonly ext: 'png' | 'gif' | 'webm';
  readonly bytes: Uint8Array;
  /** Any JSON describing the file (e.g. the steps and noise levels of a trajectory strip). */
  readonly meta?: unknown;
}

export interface SampleMedia {
  readonly kind: SampleMediaKind;
  /** Relative to the database's folder, like SampleRow.path. */
  readonly path: string;
  readonly meta: JsonValue;
}

export interface SampleRow {
  readonly id: number;
  readonly runId: number;
  readonly step: number;
  readonly prompt: string;
  readonly seed: number;
  /** Relative to the database's folder when the store wrote the PNG; null when none. */
  readonly path: string | null;
  readonly reward: JsonValue;
  /** Its media files (trajectory strip, video clip), in kind order; empty when none. */
  readonly media: readonly SampleMedia[];
}

export interface CheckpointRow {
  readonly id: number;
  readonly runId: number;
  readonly step: number;
  readonly path: string;
  readonly metrics: Record<string, number | null>;
  readonly createdAt: string;
}

/** JSON text of a value, with a message naming the field when it cannot be serialised. */
export function toJson(value: unknown, where: string, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new Error(`refract ${where}: ${what} must be JSON-serialisable, got an error: ${(err as Error).message}`);
  }
  if (text === undefined) throw new Error(`refract ${where}: ${what} must be JSON-serialisable, got ${typeof value}`);
  return text;
}

/** Metrics as JSON, each value a finite number (or null for NaN/±Infinity, which JSON cannot hold). */
export function metricsJson(metrics: Metrics, where: string): string {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(metrics)) {
    if (v !== null && typeof v !== 'number') {
      throw new Error(`refract ${where}: metrics["${k}"] must be a number, got ${typeof v} — log scalars only`);
    }
    out[k] = v !== null && Number.isFinite(v) ? v : null;
  }
  return JSON.stringify(out);
}

export function now(): string {
  return new Date().toISOString();
}
