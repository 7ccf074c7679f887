// Applying the monitors' actions (./monitor.ts) to a running session: each monitor observes the snapshot, each
// action is applied in the order returned and recorded as a diagnostic `monitor_<kind>` = 1 of the iteration (the
// curves) and as a monitor event with its rule, reason and outcome (the store's monitor_events: what the report and
// the Studio list as alarms).
import type { EvalSnapshot } from './monitor.js';
import type { TrainingSession, IterationOutcome } from './session.js';

export async function applyMonitorActions(
  session: TrainingSession,
  it: number,
  snapshot: EvalSnapshot,
  diagnostics: Record<string, number>,
): Promise<IterationOutcome['stop']> {
  let stop: IterationOutcome['stop'];
  for (const monitor of session.hooks.monitors ?? []) {
    for (const action of await monitor.observe(snapshot)) {
      diagnostics[`monitor_${action.kind}`] = 1;
      let outcome: string;
      switch (action.kind) {
        case 'warn':
          outcome = 'logged';
          break;
        case 'raise_kl':
          if (!(action.factor > 0) || !Number.isFinite(action.factor)) {
            throw new Error(`refract train: monitor "${monitor.name}" raise_kl factor must be a finite number > 0, got ${action.factor}`);
          }
          if (session.algorithm.scaleKlCoefficient) {
            session.algorithm.scaleKlCoefficient(action.factor);
            session.loop.klScale *= action.factor;
            outcome = `KL coefficient ×${action.factor} (×${session.loop.klScale.toPrecision(3)} in all)`;
          } else outcome = `ignored: ${session.algorithm.name} has no KL coefficient`;
          break;
        case 'rollback': {
          const to = session.rollbackTo(action.toIteration);
          const which = action.toIteration === undefined ? 'the best evaluation' : `the evaluation of iteration ${action.toIteration}`;
          outcome = to === null ? `ignored: no checkpoint of ${which}` : `rolled back to ${which === 'the best evaluation' ? `the best evaluation (iteration ${to})` : which}`;
          if (to !== null) diagnostics['monitor_rollback_to'] = to;
          break;
        }
        case 'stop':
          stop ??= { status: 'stopped', reason: `monitor "${monitor.name}": ${action.reason}` };
          outcome = 'stopping the run';
          break;
      }
      session.store.logMonitorEvent(session.runId, { step: it, monitor: monitor.name, action: action.kind, reason: action.reason, outcome });
      session.hooks.onMonitorAction?.(it, monitor.name, action, outcome);
    }
  }
  return stop;
}
