// The prompts of one on-policy iteration: P distinct prompts from the run's source, each repeated G times, with one
// sampler seed per sample. Everything is a function of (seed, iteration), so a resumed run draws what the original
// would. Shared by GRPO, DDPO and RWR.
import { Rng, deriveSeed } from '../data/rng.js';
import type { RewardPrompt } from '../rewards/types.js';
import type { PromptSource } from './algorithm.js';

export interface PromptGroups {
  /** prompts[i]: the prompt of sample i (G consecutive copies per distinct prompt). */
  prompts: RewardPrompt[];
  /** groupIds[i]: which distinct prompt sample i belongs to. */
  groupIds: number[];
  /** seeds[i]: the sampler seed of sample i. */
  seeds: number[];
  /**
   * Index of sample 0 in the iteration's full draw: 0 (or absent) in one process, the rank's first sample under data
   * parallelism — per-sample random draws of the update are keyed by it, so a sample is noised alike on any rank.
   */
  offset?: number;
}

export function drawPromptGroups(
  source: PromptSource,
  seed: number,
  iteration: number,
  promptsPerIteration: number,
  samplesPerPrompt: number,
): PromptGroups {
  const rng = new Rng(deriveSeed(seed, iteration, 1));
  const distinct = Array.from({ length: promptsPerIteration }, () => source.sample(rng));
  const prompts = distinct.flatMap((p) => Array<RewardPrompt>(samplesPerPrompt).fill(p));
  const groupIds = distinct.flatMap((_, g) => Array<number>(samplesPerPrompt).fill(g));
  const seeds = prompts.map((_, i) => deriveSeed(seed, iteration, 2, i));
  return { prompts, groupIds, seeds };
}
