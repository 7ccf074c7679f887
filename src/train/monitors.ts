// The monitors a run config asks for: the reward-hacking monitor (src/reliability/monitor/) with its held-out
// rewards, when `monitor:` is set.
import { buildReward, parseRewardSpecs } from '../rewards/config.js';
import { HackingMonitor } from '../reliability/monitor/hacking-monitor.js';
import type { RewardModel } from '../rewards/types.js';
import type { RunConfig } from './config.js';
import type { TrainingMonitor } from './monitor.js';

export interface BuiltMonitors {
  monitors: TrainingMonitor[];
  /** Releases the held-out rewards' workers. */
  close(): Promise<void>;
}

export async function buildMonitors(config: Readonly<RunConfig>): Promise<BuiltMonitors> {
  if (config.monitor === undefined) return { monitors: [], close: async () => {} };
  const heldOut: RewardModel[] = [];
  const specs = config.heldOutRewards ? parseRewardSpecs(config.heldOutRewards) : [];
  for (const spec of specs) heldOut.push(await buildReward([spec]));
  return {
    monitors: [new HackingMonitor(config.monitor, { heldOut })],
    close: async () => {
      for (const r of heldOut) await r.close?.();
    },
  };
}
