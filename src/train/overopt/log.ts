// Reads an overoptimisation run back from its <out>/overopt-log.jsonl (experiment.ts writes it line by line, so a
// run that was stopped early can still be plotted): the monitor's evaluations and the alarms that fired.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FiredAlarm } from '../../reliability/monitor/decide.js';
import type { MonitorMetrics } from '../../reliability/monitor/signals.js';
import type { OveroptRun } from './figure.js';

export const OVEROPT_LOG = 'overopt-log.jsonl';

interface EvalLine {
  type: 'eval';
  iteration: number;
  values: MonitorMetrics['values'];
  alarms?: FiredAlarm[];
}

function isEvalLine(x: unknown): x is EvalLine {
  const o = x as Partial<EvalLine> | null;
  return o !== null && typeof o === 'object' && o.type === 'eval' && typeof o.iteration === 'number' && typeof o.values === 'object';
}

/** The run in `dir` (named after the folder): its evaluations in order and every alarm, in the order they fired. */
export function readOveroptRun(dir: string): OveroptRun {
  const file = path.join(dir, OVEROPT_LOG);
  if (!existsSync(file)) {
    throw new Error(`refract overopt: ${dir} must hold ${OVEROPT_LOG} (written by refract overopt), got no such file`);
  }
  const history: MonitorMetrics[] = [];
  const alarms: FiredAlarm[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      let line: unknown;
      try {
        line = JSON.parse(text);
      } catch {
        throw new Error(`refract overopt: ${file} line ${i + 1} must be JSON, got ${JSON.stringify(text.slice(0, 60))}`);
      }
      if (!isEvalLine(line)) return;
      history.push({ iteration: line.iteration, values: line.values });
      alarms.push(...(line.alarms ?? []));
    });
  return { name: path.basename(path.resolve(dir)), history, alarms };
}
