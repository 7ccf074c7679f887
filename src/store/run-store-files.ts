// Files the run store writes beside its database (sample PNGs, exported JSONL), and the translation of SQLite
// constraint errors into messages that say what to do.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes `data` under a temporary name and renames it into place (a reader never sees half a file); a failed write
 * removes its temporary file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes a sample's file to `<samplesDir>/run-<runId>/step-<step>-<sampleId><suffix>` (suffix '.png' for its image,
 * '-trajectory.png' or '-clip.gif' for its media); returns its path relative to `baseDir` (the database's folder),
 * so the database and its samples can move together.
 */
export function writeSampleFile(
  samplesDir: string,
  baseDir: string,
  sample: { runId: number; step: number; id: number },
  suffix: string,
  bytes: Uint8Array,
): string {
  const dir = path.join(samplesDir, `run-${sample.runId}`);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `step-${String(sample.step).padStart(6, '0')}-${sample.id}${suffix}`);
  writeFileAtomic(file, bytes);
  return path.relative(baseDir, file);
}

export function noRunError(where: string, runId: number): Error {
  return new Error(`refract ${where}: runId must name an existing run, got ${runId} — create it with createRun`);
}

/** Runs a write, turning SQLite foreign-key and primary-key violations into actionable errors. */
export function withConstraintErrors<T>(where: string, runId: number, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw noRunError(where, runId);
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new Error(
        `refract ${where}: ${what} must be logged once per run, got a duplicate for run ${runId} — resume from lastStep(runId) + 1`,
      );
    }
    throw err;
  }
}
