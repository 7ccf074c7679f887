// The one-line reasons a run stops as failed or diverged (printed by `refract train`, stored as the result's
// reason). Both name the last good checkpoint: every checkpoint is written only after its iteration passed the
// divergence rule (./divergence.ts), so it was checked before the damage.
import type { RunConfig } from './config.js';
import type { Divergence } from './divergence.js';
import { checkpointDir } from './run-checkpoint.js';

/** `max` consecutive skipped updates ending at iteration `it` (the NaN/Inf policy). */
export function nonFiniteMessage(config: Readonly<RunConfig>, it: number, max: number, lastGood: number): string {
  return (
    `refract train: ${max} consecutive iterations (${it - max + 1}–${it}) skipped their update because of a non-finite ` +
    `reward, loss or gradient — the run is stopped as failed; the last good checkpoint is iteration ${lastGood} ` +
    `in ${checkpointDir(config.out)} (checked before the damage). Check the reward, or lower ${config.algorithm}.lr and start a new run in another out folder`
  );
}

/** The divergence rule fired at iteration `it`. */
export function divergedMessage(config: Readonly<RunConfig>, it: number, verdict: Divergence, lastGood: number): string {
  return (
    `refract train: the run diverged at iteration ${it}: ${verdict.detail} — the run is stopped and no final model is written; ` +
    `the last good checkpoint is iteration ${lastGood} in ${checkpointDir(config.out)} (checked before the damage). ` +
    `Lower ${config.algorithm}.lr (now ${learningRate(config)}) and start a new run in another out folder`
  );
}

function learningRate(config: Readonly<RunConfig>): string {
  const section = (config as Record<string, unknown>)[config.algorithm] as { lr?: unknown } | undefined;
  return typeof section?.lr === 'number' ? String(section.lr) : '?';
}
