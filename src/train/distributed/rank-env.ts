// Where this process stands in a multi-process run, read from torchrun's environment conventions
// (https://pytorch.org/docs/stable/elastic/run.html#environment-variables): RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT. `refract train --nproc N` sets them for its N children; on several machines the user
// sets them by hand (docs/scaling.md), one rank per machine.
import { UsageError } from '../../config/errors.js';

export interface RankEnv {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  /** Host of rank 0, which serves the TCPStore every rank meets through. */
  readonly masterAddr: string;
  readonly masterPort: number;
}

function intVar(env: NodeJS.ProcessEnv, name: string, min: number, fallback?: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`refract train: ${name} must be set when WORLD_SIZE > 1, got nothing — set RANK, MASTER_ADDR and MASTER_PORT as torchrun does (docs/scaling.md)`);
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`refract train: ${name} must be an integer ≥ ${min}, got "${raw}" — fix the environment variable`);
  return n;
}

/** The rank's environment, or null for a single-process run (WORLD_SIZE unset or 1). */
export function rankEnvFrom(env: NodeJS.ProcessEnv): RankEnv | null {
  const worldSize = intVar(env, 'WORLD_SIZE', 1, 1);
  if (worldSize === 1) return null;
  const rank = intVar(env, 'RANK', 0);
  if (rank >= worldSize) throw new UsageError(`refract train: RANK must be below WORLD_SIZE ${worldSize}, got ${rank} — number the ranks 0..${worldSize - 1}`);
  const masterPort = intVar(env, 'MASTER_PORT', 1);
  if (masterPort > 65535) throw new UsageError(`refract train: MASTER_PORT must be a TCP port (1–65535), got ${masterPort} — pick a free port`);
  return {
    rank,
    worldSize,
    localRank: intVar(env, 'LOCAL_RANK', 0, rank),
    masterAddr: env['MASTER_ADDR'] || '127.0.0.1',
    masterPort,
  };
}
