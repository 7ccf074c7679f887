// What a data-parallel run needs of its config, checked on every rank before anything is built or written.
import { UsageError } from '../../config/errors.js';
import type { RunConfig } from '../config.js';

/**
 * The algorithms whose iteration is sharded: the on-policy ones (src/algorithms/online-algorithm.ts), reward
 * backprop (its batch of prompts) and Diffusion-DPO (its pairs; online, its groups' samples too) — all of them.
 */
export const DATA_PARALLEL_ALGORITHMS = ['grpo', 'ddpo', 'rwr', 'nft', 'awm', 'reward_backprop', 'dpo'] as const;

export function checkDataParallel(config: Readonly<RunConfig>, worldSize: number): void {
  const fail = (what: string): never => {
    throw new UsageError(`refract train: ${what}`);
  };
  const name = config.algorithm;
  if (!(DATA_PARALLEL_ALGORITHMS as readonly string[]).includes(name)) {
    fail(
      `algorithm must be one of ${DATA_PARALLEL_ALGORITHMS.join(', ')} with ${worldSize} ranks, got ${name} — ` +
        `${name} builds its batches outside the sharded on-policy iteration; run it with --nproc 1`,
    );
  }
  if (name === 'reward_backprop') {
    const b = config.reward_backprop.batchSize;
    if (b % worldSize !== 0) fail(`reward_backprop.batchSize must be a multiple of the ${worldSize} ranks, got ${b} — change it or --nproc`);
    return;
  }
  if (name === 'dpo') {
    // offline: every rank draws the same pairs and trains its share (any count); online: the groups' samples split
    const o = config.dpo.online;
    const samples = o.promptsPerIteration * o.groupSize;
    if (config.dpo.mode === 'online' && samples % worldSize !== 0) {
      fail(
        `dpo.online.promptsPerIteration × dpo.online.groupSize must be a multiple of the ${worldSize} ranks, ` +
          `got ${o.promptsPerIteration} × ${o.groupSize} = ${samples} — change them or --nproc`,
      );
    }
    return;
  }
  const s = config[name as Exclude<(typeof DATA_PARALLEL_ALGORITHMS)[number], 'dpo' | 'reward_backprop'>] as { promptsPerIteration: number; groupSize?: number; samplesPerPrompt?: number };
  const perPrompt = s.groupSize ?? s.samplesPerPrompt ?? 1;
  const samples = s.promptsPerIteration * perPrompt;
  if (samples % worldSize !== 0) {
    fail(
      `${name}.promptsPerIteration × ${name}.${s.groupSize !== undefined ? 'groupSize' : 'samplesPerPrompt'} must be a multiple of the ${worldSize} ranks, ` +
        `got ${s.promptsPerIteration} × ${perPrompt} = ${samples} — change them or --nproc`,
    );
  }
  if (name === 'nft' && config.nft.hindsight !== undefined) {
    fail('nft.hindsight must be absent with several ranks, got a hindsight section — the gathered rewards do not carry the relabels yet; remove it or run with --nproc 1');
  }
  if (name === 'nft' && config.nft.skipZeroVarianceGroups) {
    fail('nft.skipZeroVarianceGroups must be false with several ranks, got true — the kept groups are not sharded across ranks yet; set it to false or run with --nproc 1');
  }
}
