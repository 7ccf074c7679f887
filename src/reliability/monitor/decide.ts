// The monitor's decision at one evaluation, as pure functions of the history: which rules fire now (each at most
// once), the actions they ask for, and — for a rollback — which evaluation is the best to return to.
import type { MonitorAction } from './contract.js';
import { ruleName, type MonitorConfig, type MonitorRuleAction } from './config.js';
import { checkRule } from './rules.js';
import { argmaxFinite, centredMean, series, type MonitorMetrics, type SignalName } from './signals.js';

export interface FiredAlarm {
  /** Index of the rule in `config.rules`. */
  rule: number;
  name: string;
  signal: SignalName;
  iteration: number;
  detail: string;
  action: MonitorRuleAction;
}

/** Rules that hold at the last evaluation of `history` and have not fired before (`fired`: rule indices). */
export function firingRules(
  history: readonly MonitorMetrics[],
  fired: ReadonlySet<number>,
  config: Readonly<MonitorConfig>,
): FiredAlarm[] {
  const last = history[history.length - 1];
  if (last === undefined) return [];
  return config.rules.flatMap((rule, i) => {
    if (fired.has(i)) return [];
    const check = checkRule(rule, history, config);
    if (!check.holds) return [];
    return [{ rule: i, name: ruleName(rule), signal: rule.signal, iteration: last.iteration, detail: check.detail, action: rule.action }];
  });
}

export interface RollbackTarget {
  iteration: number;
  /** The centred-mean value of the `by` signal there. */
  value: number;
}

/**
 * The evaluation to roll back to: the argmax of the `by` signal after a centred mean of half-width `halfWidth`
 * (so one lucky evaluation does not win), the earliest on ties; null when the signal was never measured.
 */
export function rollbackTarget(history: readonly MonitorMetrics[], by: SignalName, halfWidth: number): RollbackTarget | null {
  const smoothed = centredMean(series(history, by), halfWidth);
  const k = argmaxFinite(smoothed);
  return k < 0 ? null : { iteration: history[k]!.iteration, value: smoothed[k]! };
}

/**
 * The loop actions (src/train/monitor.ts) for the alarms fired now, in rule order: warn, raise_kl, rollback
 * to the evaluation `target` (followed by stop when the rule says `then: stop`), stop. Reasons name the rule and
 * what it measured; without a target (the signal was never measured) the loop returns to its own best evaluation.
 */
export function alarmActions(alarms: readonly FiredAlarm[], target: RollbackTarget | null, by: SignalName): MonitorAction[] {
  return alarms.flatMap((a): MonitorAction[] => {
    const reason = `${a.name} at iteration ${a.iteration}: ${a.detail}`;
    switch (a.action.kind) {
      case 'warn':
        return [{ kind: 'warn', reason }];
      case 'raise_kl':
        return [{ kind: 'raise_kl', factor: a.action.factor, reason }];
      case 'stop':
        return [{ kind: 'stop', reason }];
      case 'rollback': {
        const to = target === null ? `no ${by} measured` : `best ${by} ${target.value.toFixed(4)} at iteration ${target.iteration}`;
        const rollback: MonitorAction = {
          kind: 'rollback',
          reason: `${reason}; rollback to ${to}`,
          ...(target !== null ? { toIteration: target.iteration } : {}),
        };
        return a.action.then === 'stop' ? [rollback, { kind: 'stop', reason: `${reason}; stopped after rollback` }] : [rollback];
      }
    }
  });
}
