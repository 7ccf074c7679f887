/**
 * The on-disk cache of trained Bradley–Terry reward models, shared by every place that trains one from options
 * (the audit's `preference:` entries, the `preference` reward kind): `<root>/<key>/member<k>/`, one
 * saveBradleyTerry folder per member, where `key` hashes every training option. Re-running with the same options
 * loads instead of re-training.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BradleyTerryRewardModel } from './bt-model.js';
import { loadBradleyTerry, saveBradleyTerry } from './synthetic-reward.js';

/** Bump when training changes in a way the options do not show, so stale cached models are not reused. */
export const RM_CACHE_VERSION = 2; // 2: one saveBradleyTerry folder per member

/** 16 hex digits of sha256({ v: RM_CACHE_VERSION, ...options }): the cache folder of a model trained with `options`. */
export function rmCacheKey(options: Readonly<Record<string, unknown>>): string {
  const json = JSON.stringify({ v: RM_CACHE_VERSION, ...options });
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

/** The member folders `<dir>/member0 … member<K−1>`. */
export function rmCacheMemberDirs(dir: string, members: number): string[] {
  return Array.from({ length: members }, (_, k) => path.join(dir, `member${k}`));
}

/** The `members` models cached in `dir`, or null unless every one is complete there. */
export function loadCachedMembers(dir: string, members: number): BradleyTerryRewardModel[] | null {
  const dirs = rmCacheMemberDirs(dir, members);
  // saveBradleyTerry writes reward.json after the weights, so its presence marks a complete member.
  if (!dirs.every((m) => existsSync(path.join(m, 'reward.json')))) return null;
  return dirs.map((m) => loadBradleyTerry(m));
}

/** Writes each model to its member folder under `dir`. */
export function saveCachedMembers(dir: string, models: readonly BradleyTerryRewardModel[]): void {
  const dirs = rmCacheMemberDirs(dir, models.length);
  models.forEach((m, k) => saveBradleyTerry(dirs[k]!, m));
}
