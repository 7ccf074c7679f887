// The reward-hacking monitor (DESIGN §1, §3): at each evaluation it measures the signals (./measure.ts), keeps
// their history, and returns the actions of the rules that fire (./decide.ts) to the shared training loop
// (src/train/monitor.ts). Gao et al. (arXiv 2210.10760) show the proxy reward rising while the gold reward peaks
// and falls; without gold, held-out rewards, ensemble disagreement, diversity and image statistics stand in.
import type { RewardModel } from '../../rewards/types.js';
import type { EvalSnapshot, MonitorAction, TrainingMonitor } from './contract.js';
import type { MonitorConfig } from './config.js';
import { alarmActions, firingRules, rollbackTarget, type FiredAlarm } from './decide.js';
import { measureSnapshot } from './measure.js';
import { SIGNAL_NAMES, type MonitorMetrics, type SignalName } from './signals.js';

export interface HackingMonitorOptions {
  /** Held-out reward models (not optimised); see ./measure.ts. */
  heldOut?: readonly RewardModel[];
  /** The reward whose `uncertainty` is the ensemble disagreement (usually the proxy ensemble). */
  uncertainty?: RewardModel;
  /** Called with every evaluation's metrics and the alarms fired at it (for logs and reports). */
  onRecord?(metrics: MonitorMetrics, alarms: readonly FiredAlarm[]): void;
}

export class HackingMonitor implements TrainingMonitor {
  readonly name = 'hacking';
  #history: MonitorMetrics[] = [];
  #fired = new Set<number>();
  #alarms: FiredAlarm[] = [];

  constructor(
    readonly config: Readonly<MonitorConfig>,
    readonly options: HackingMonitorOptions = {},
  ) {}

  get history(): readonly MonitorMetrics[] {
    return this.#history;
  }

  /** Every alarm fired so far, in order. */
  get alarms(): readonly FiredAlarm[] {
    return this.#alarms;
  }

  async observe(snapshot: EvalSnapshot): Promise<readonly MonitorAction[]> {
    const metrics = await measureSnapshot(snapshot, {
      heldOut: this.options.heldOut ?? [],
      ...(this.options.uncertainty ? { uncertainty: this.options.uncertainty } : {}),
      diversityPool: this.config.diversityPool,
    });
    return this.record(metrics);
  }

  /** Adds one evaluation's metrics and returns the actions of the rules that fire now. */
  record(metrics: MonitorMetrics): MonitorAction[] {
    this.#history = [...this.#history.filter((m) => m.iteration < metrics.iteration), metrics];
    const alarms = firingRules(this.#history, this.#fired, this.config);
    for (const a of alarms) this.#fired.add(a.rule);
    this.#alarms.push(...alarms);
    this.options.onRecord?.(metrics, alarms);
    const target = rollbackTarget(this.#history, this.config.rollbackBy, this.config.rollbackHalfWidth);
    return alarmActions(alarms, target, this.config.rollbackBy);
  }

  stateDict(): Record<string, unknown> {
    return { history: this.#history, fired: [...this.#fired], alarms: this.#alarms };
  }

  loadStateDict(state: Record<string, unknown>): void {
    const history = state['history'];
    const fired = state['fired'];
    const alarms = state['alarms'];
    if (!Array.isArray(history) || !Array.isArray(fired) || !Array.isArray(alarms)) {
      throw new Error('refract monitor: state must hold history, fired and alarms arrays — was it saved by HackingMonitor?');
    }
    this.#history = history.map(parseMetrics);
    this.#fired = new Set(fired.map(Number));
    this.#alarms = alarms as FiredAlarm[];
  }
}

function parseMetrics(raw: unknown): MonitorMetrics {
  const o = raw as { iteration?: unknown; values?: Record<string, unknown> };
  if (typeof o?.iteration !== 'number' || typeof o.values !== 'object' || o.values === null) {
    throw new Error(`refract monitor: state history entries must be { iteration, values }, got ${JSON.stringify(raw)}`);
  }
  const values: Partial<Record<SignalName, number>> = {};
  for (const k of SIGNAL_NAMES) {
    const v = o.values[k];
    if (typeof v === 'number') values[k] = v;
    else if (v === null) values[k] = NaN; // JSON writes NaN as null
  }
  return { iteration: o.iteration, values };
}
