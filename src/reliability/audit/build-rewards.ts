/**
 * Builds the reward of one audit entry: reward specs through the typed registry (rewards/config.ts), or a
 * Bradley–Terry ensemble trained on synthetic gold-labelled pairs (rewards/preference/), optionally wrapped in a
 * demo flaw. Trained members are cached under `<out>/rm-cache/<key>/` (rewards/preference/rm-cache.ts), the key
 * hashing every training option, so re-running an audit re-scores instead of re-training.
 */
import path from 'node:path';
import { buildReward, parseRewardSpecs } from '../../rewards/config.js';
import { RewardEnsemble } from '../../rewards/preference/ensemble.js';
import { loadCachedMembers, rmCacheKey as cacheKeyOf, saveCachedMembers } from '../../rewards/preference/rm-cache.js';
import { DEFAULT_PREFERENCE_NET, type PreferenceNetConfig } from '../../rewards/preference/net.js';
import { syntheticShapesPairs } from '../../rewards/preference/pairs.js';
import type { RewardModel } from '../../rewards/types.js';
import type { AuditRewardEntry, PreferenceRmOptions } from './config.js';
import { withDemoFlaw } from './demo-flaws.js';

export interface BuildContext {
  /** Output folder; trained RMs are cached under `<out>/rm-cache`. */
  out: string;
  onStatus?: (message: string) => void;
}

export async function buildAuditedReward(entry: AuditRewardEntry, ctx: BuildContext): Promise<RewardModel> {
  const base =
    entry.preference !== undefined
      ? trainOrLoadPreferenceRm(entry.preference, ctx)
      : await buildReward(parseRewardSpecs(entry.reward));
  return entry.demoFlaw === undefined ? base : withDemoFlaw(base, entry.demoFlaw);
}

function netConfig(o: PreferenceRmOptions): PreferenceNetConfig {
  return { ...DEFAULT_PREFERENCE_NET, ...o.net, channels: [...o.net.channels] as const, conditioned: true };
}

/** The cache key of `o` (rewards/preference/rm-cache.ts, shared with the `preference` reward kind). */
export function rmCacheKey(o: PreferenceRmOptions): string {
  return cacheKeyOf({ ...o, net: netConfig(o) });
}

/** The ensemble of `o`, loaded from the cache when every member is there, else trained and cached. */
export function trainOrLoadPreferenceRm(o: PreferenceRmOptions, ctx: BuildContext): RewardEnsemble {
  const dir = path.join(ctx.out, 'rm-cache', rmCacheKey(o));
  const cached = loadCachedMembers(dir, o.members);
  if (cached !== null) {
    ctx.onStatus?.(`loading cached Bradley–Terry ensemble from ${dir}`);
    return new RewardEnsemble(cached);
  }
  ctx.onStatus?.(
    `training a Bradley–Terry ensemble: ${o.members} × ${o.steps} steps on ${o.pairs} pairs (noise ${o.labelNoise})`,
  );
  const pairs = syntheticShapesPairs({ count: o.pairs, seed: o.seed, labelNoise: o.labelNoise, kinds: o.kinds });
  const ensemble = RewardEnsemble.train(pairs, {
    members: o.members,
    steps: o.steps,
    batchSize: o.batchSize,
    lr: o.lr,
    seed: o.seed,
    net: netConfig(o),
  });
  saveCachedMembers(dir, ensemble.members);
  return ensemble;
}

