// What every algorithm's step log shares: the reward summary of the iteration's samples (mean total and mean of
// each component) and the log of an iteration whose update was skipped because some rewards were NaN or ±Inf
// (the shared loop counts it and stops after `stopOnNonFinite.maxConsecutive`, src/train/trainer.ts).
import type { RewardResult } from '../rewards/types.js';
import type { AlgorithmStepLog } from './algorithm.js';
import type { AdvantageStats } from '../credit/advantages.js';

/** The part of a step log after the reward summary: metrics, diagnostics, skip flag, KL. */
export type StepLogTail = Omit<AlgorithmStepLog, 'samples' | 'reward' | 'components'>;

/** Mean of a vector (NaN when empty). */
export function meanOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length === 0 ? NaN : s / a.length;
}

/** The iteration's mean reward and mean of each named component. */
export function rewardSummary(scored: RewardResult): Pick<AlgorithmStepLog, 'reward' | 'components'> {
  const components = Object.fromEntries(Object.entries(scored.components).map(([k, v]) => [k, meanOf(v)]));
  return { reward: meanOf(scored.total), components };
}

/** How many totals are NaN or ±Inf. */
export function nonFiniteCount(total: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < total.length; i++) if (!Number.isFinite(total[i]!)) n++;
  return n;
}

/** The log of an iteration whose update was skipped because `count` rewards were NaN or ±Inf. */
export function nonFiniteRewardLog(count: number, seconds: number): StepLogTail {
  return {
    metrics: { seconds },
    diagnostics: { nonfinite_rewards: count },
    skippedUpdate: true,
    klToReference: NaN,
  };
}

/**
 * The advantage diagnostics every on-policy algorithm stores per step: mean, std, min, max and — for algorithms
 * that clip advantages — the fraction at the clip.
 */
export function advantageDiagnostics(adv: AdvantageStats, o: { clipped?: boolean } = {}): Record<string, number> {
  const base = { advantage_mean: adv.mean, advantage_std: adv.std, advantage_min: adv.min, advantage_max: adv.max };
  return o.clipped ? { ...base, advantage_fraction_clipped: adv.fractionClipped } : base;
}
