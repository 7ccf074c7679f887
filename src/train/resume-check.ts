// What may change between a run and its resume: the iteration count, sample and wall-time budgets (to extend a run), the
// thread count and the divergence thresholds (they only decide when to stop). Anything else that shapes the run — shared fields, the monitor, the run's own algorithm section —
// would make the resumed run a different experiment. Sections of other algorithms are not the run's business.
import { ConfigError } from '../config/load.js';
import { sharedRunShape, type RunConfig } from './config.js';

const MAY_CHANGE: ReadonlySet<string> = new Set(['iterations', 'maxSamples', 'maxSeconds', 'threads', 'divergence']);

export function assertResumable(saved: Readonly<RunConfig>, current: Readonly<RunConfig>): void {
  const keys = ['algorithm', ...Object.keys(sharedRunShape), current.algorithm].filter((k) => !MAY_CHANGE.has(k));
  const field = (c: Readonly<RunConfig>, k: string): string | undefined => JSON.stringify((c as Record<string, unknown>)[k]);
  const differ = keys.filter((k) => field(saved, k) !== field(current, k));
  if (differ.length > 0) {
    throw new ConfigError('refract train --resume', [
      `field(s) ${differ.map((k) => `"${k}"`).join(', ')} must match the run being resumed in ${current.out}, got different values — ` +
        'only iterations, maxSamples, maxSeconds, threads and divergence may change; restore them, or start a new run in another out folder',
    ]);
  }
}
