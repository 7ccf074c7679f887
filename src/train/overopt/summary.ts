// The numbers the overoptimisation experiment reports, from the monitor's history: where gold peaked, how far it
// fell, how the proxy moved meanwhile, and when the first alarm fired relative to the gold peak.
import type { TrainingResult } from '../trainer.js';
import type { FiredAlarm } from '../../reliability/monitor/decide.js';
import { argmaxFinite, series, type MonitorMetrics } from '../../reliability/monitor/signals.js';

export interface OveroptSummary {
  status: TrainingResult['status'];
  reason?: string;
  lastIteration: number;
  evaluations: number;
  /** Best gold over the evaluations and where (null without gold). */
  bestGold: { iteration: number; value: number } | null;
  /** Gold at the last evaluation, and as a fraction of the best. */
  finalGold: number | null;
  finalGoldFractionOfBest: number | null;
  proxy: { first: number; last: number; max: number };
  sqrtKl: { last: number };
  firstAlarm: { iteration: number; name: string; signal: string; action: string } | null;
  /** Gold at the first alarm's evaluation, and its fall below the best gold seen up to then (fraction). */
  goldAtFirstAlarm: number | null;
  goldFallAtFirstAlarm: number | null;
}

export function summariseOveropt(history: readonly MonitorMetrics[], alarms: readonly FiredAlarm[], training: TrainingResult): OveroptSummary {
  const gold = series(history, 'gold');
  const proxy = series(history, 'proxy');
  const b = argmaxFinite(gold);
  const last = history.length - 1;
  const finalGold = last >= 0 && Number.isFinite(gold[last]!) ? gold[last]! : null;
  const first = alarms[0] ?? null;
  const k = first === null ? -1 : history.findIndex((m) => m.iteration === first.iteration);
  const goldAt = k >= 0 && Number.isFinite(gold[k]!) ? gold[k]! : null;
  const bestUpTo = k >= 0 ? Math.max(...gold.slice(0, k + 1).filter(Number.isFinite)) : NaN;
  return {
    status: training.status,
    ...(training.reason !== undefined ? { reason: training.reason } : {}),
    lastIteration: training.lastIteration,
    evaluations: history.length,
    bestGold: b < 0 ? null : { iteration: history[b]!.iteration, value: gold[b]! },
    finalGold,
    finalGoldFractionOfBest: b < 0 || finalGold === null ? null : finalGold / gold[b]!,
    proxy: { first: proxy[0] ?? NaN, last: proxy[last] ?? NaN, max: Math.max(...proxy.filter(Number.isFinite)) },
    sqrtKl: { last: history[last]?.values.sqrtKl ?? NaN },
    firstAlarm: first === null ? null : { iteration: first.iteration, name: first.name, signal: first.signal, action: first.action.kind },
    goldAtFirstAlarm: goldAt,
    goldFallAtFirstAlarm: goldAt === null || !Number.isFinite(bestUpTo) ? null : 1 - goldAt / bestUpTo,
  };
}
