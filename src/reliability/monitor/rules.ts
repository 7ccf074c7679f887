// One rule checked at the latest evaluation of a history: pure functions of (rule, history, config) that say
// whether it holds and why (the reason is what the loop logs). Signals are smoothed by a trailing mean first.
import type { MonitorConfig, MonitorRule } from './config.js';
import { argmaxFinite, finiteMean, series, slope, trailingMean, type MonitorMetrics, type SignalName } from './signals.js';

export interface RuleCheck {
  holds: boolean;
  /** What was measured, in words (also when the rule does not hold). */
  detail: string;
}

type Settings = Pick<MonitorConfig, 'smoothing' | 'baseline' | 'warmup' | 'proxySignal'>;

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

/** Checks `rule` at the last evaluation of `history`. */
export function checkRule(rule: MonitorRule, history: readonly MonitorMetrics[], s: Settings): RuleCheck {
  const warmup = rule.warmup ?? s.warmup;
  if (history.length < warmup) return { holds: false, detail: `warming up (${history.length} of ${warmup} evaluations)` };
  const smoothed = (name: SignalName): number[] => trailingMean(series(history, name), s.smoothing);
  const baseline = (name: SignalName): number => finiteMean(series(history, name).slice(0, s.baseline));
  switch (rule.kind) {
    case 'drop_from_best':
      return dropFromBest(rule, smoothed(rule.signal), smoothed(s.proxySignal), baseline(rule.signal), history);
    case 'divergence':
      return divergence(rule, smoothed(rule.signal), smoothed(s.proxySignal));
    case 'above':
    case 'below':
      return threshold(rule, smoothed(rule.signal), baseline(rule.signal));
  }
}

/** Running-best drop: best − s_t > threshold (absolute: drop; relative: drop·|best|; gain_fraction: drop·(best − baseline)). */
function dropFromBest(
  rule: Extract<MonitorRule, { kind: 'drop_from_best' }>,
  s: readonly number[],
  proxy: readonly number[],
  base: number,
  history: readonly MonitorMetrics[],
): RuleCheck {
  const t = s.length - 1;
  const b = argmaxFinite(s);
  if (b < 0 || !Number.isFinite(s[t]!)) return { holds: false, detail: `${rule.signal} not measured` };
  const best = s[b]!;
  const fall = best - s[t]!;
  const gain = best - base;
  if (rule.unit === 'gain_fraction' && !(gain > 0)) return { holds: false, detail: `${rule.signal} has not risen above its baseline ${fmt(base)}` };
  const limit = rule.unit === 'absolute' ? rule.drop : rule.unit === 'relative' ? rule.drop * Math.abs(best) : rule.drop * gain;
  let detail = `${rule.signal} ${fmt(s[t]!)} is ${fmt(fall)} below its best ${fmt(best)} (iteration ${history[b]!.iteration}); limit ${fmt(limit)}`;
  let holds = fall > limit;
  if (rule.whileProxyRises) {
    const rises = proxy[t]! > proxy[b]!;
    detail += `; proxy ${fmt(proxy[b]!)} → ${fmt(proxy[t]!)}`;
    holds &&= rises;
  }
  return { holds, detail };
}

/** Proxy slope > 0 and signal slope < 0 over the trailing window, at each of the last `patience` evaluations. */
function divergence(rule: Extract<MonitorRule, { kind: 'divergence' }>, s: readonly number[], proxy: readonly number[]): RuleCheck {
  const t = s.length - 1;
  if (t + 1 < rule.window + rule.patience - 1) return { holds: false, detail: `fewer than ${rule.window + rule.patience - 1} evaluations` };
  let holds = true;
  let detail = '';
  for (let u = t - rule.patience + 1; u <= t; u++) {
    const from = u - rule.window + 1;
    const ps = slope(proxy.slice(from, u + 1));
    const ss = slope(s.slice(from, u + 1));
    holds &&= ps > 0 && ss < 0;
    detail = `over the last ${rule.window} evaluations proxy slope ${fmt(ps)}, ${rule.signal} slope ${fmt(ss)} per evaluation`;
  }
  return { holds, detail };
}

/** s_t above / below `value` (absolute) or `value`·baseline (initial_ratio). */
function threshold(rule: Extract<MonitorRule, { kind: 'above' | 'below' }>, s: readonly number[], base: number): RuleCheck {
  const v = s[s.length - 1]!;
  if (!Number.isFinite(v)) return { holds: false, detail: `${rule.signal} not measured` };
  const limit = rule.unit === 'absolute' ? rule.value : rule.value * base;
  const holds = rule.kind === 'above' ? v > limit : v < limit;
  const of = rule.unit === 'initial_ratio' ? ` (${rule.value} × baseline ${fmt(base)})` : '';
  return { holds, detail: `${rule.signal} ${fmt(v)} ${holds ? 'is' : 'is not'} ${rule.kind} ${fmt(limit)}${of}` };
}
