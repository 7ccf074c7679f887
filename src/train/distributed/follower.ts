// Ranks 1..N−1 of a data-parallel run: the same policy, reward and algorithm as rank 0 (built from the same config),
// stepped in lockstep as rank 0's control messages say (./control.ts). They write nothing — no run folder, store,
// checkpoint or report: rank 0 alone does (DESIGN §6). A follower ends when rank 0 posts 'end' (any run status),
// on rank 0's 'abort', or with one line naming the rank that stopped answering.
import * as torch from '../../torch/index.js';
import { deriveSeed } from '../../data/rng.js';
import type { Algorithm } from '../../algorithms/algorithm.js';
import type { ImagePolicy } from '../../models/index.js';
import type { RewardModel } from '../../rewards/types.js';
import type { RunConfig } from '../config.js';
import { buildContext } from '../setup.js';
import { createAlgorithm } from '../registry.js';
import { faultError, type DistributedRun } from './run-group.js';
import { receiveState } from './state-sync.js';

export interface FollowResult {
  /** The run status rank 0 ended with. */
  status: string;
  /** The last iteration this rank stepped (0 when none). */
  lastIteration: number;
}

export async function followTraining(config: Readonly<RunConfig>, run: DistributedRun, reward?: RewardModel): Promise<FollowResult> {
  const ctx = { ...(await buildContext(config, reward)), dataParallel: run.group };
  try {
    const algorithm = createAlgorithm(config.algorithm, ctx, config[config.algorithm]);
    try {
      return await follow(config, run, ctx.policy, algorithm);
    } finally {
      algorithm.dispose();
    }
  } finally {
    ctx.policy.dispose();
    ctx.reference.dispose();
    await ctx.reward.close?.();
  }
}

async function follow(config: Readonly<RunConfig>, run: DistributedRun, policy: ImagePolicy, algorithm: Algorithm): Promise<FollowResult> {
  let last = 0;
  for (;;) {
    try {
      const m = run.control.next();
      switch (m.kind) {
        case 'sync':
          receiveState(run, m, policy, algorithm);
          break;
        case 'step':
          torch.manualSeed(deriveSeed(config.seed, m.iteration, 0x51ed)); // as the loop seeds rank 0 (trainer.ts)
          await algorithm.step(m.iteration);
          last = m.iteration;
          break;
        case 'scaleKl':
          algorithm.scaleKlCoefficient?.(m.factor);
          break;
        case 'end':
          return { status: m.status, lastIteration: last };
        case 'abort':
          throw new Error(m.message);
      }
    } catch (err) {
      throw faultError(run, err);
    }
  }
}
