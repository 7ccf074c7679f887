// GRPO stage 1 — sample: draw prompts from the run's prompt source, roll out a group of G samples per prompt with
// the SDE sampler.
import { rolloutPrompts, type PromptModel } from '../../pipeline/text-to-image.js';
import type { Trajectory } from '../../generate/trajectory.js';
import type { PromptCondition } from '../../models/index.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import type { RewardPrompt } from '../../rewards/types.js';
import type { PromptSource } from '../algorithm.js';
import { drawPromptGroups } from '../prompt-groups.js';
import type { GrpoConfig } from './config.js';

export interface RolloutBatch {
  /** prompts[i]: the prompt sample i was generated for (G consecutive copies per group). */
  prompts: RewardPrompt[];
  /** groupIds[i]: which prompt sample i belongs to. */
  groupIds: number[];
  /** seeds[i]: the sampler seed of sample i. */
  seeds: number[];
  trajectory: Trajectory<PromptCondition>;
}

/** Prompts and seeds are functions of (seed, iteration): a resumed run draws exactly what the original would. */
export function rolloutStage(
  policy: PromptModel,
  source: PromptSource,
  config: Readonly<GrpoConfig>,
  iteration: number,
  vocabulary?: WordVocabulary,
): RolloutBatch {
  const { prompts, groupIds, seeds } = drawPromptGroups(source, config.seed, iteration, config.promptsPerIteration, config.groupSize);
  const s = config.sampler;
  const trajectory = rolloutPrompts(
    policy,
    prompts.map((p) => p.text),
    seeds,
    {
      steps: s.steps,
      guidance: s.guidance,
      sde: s.sde,
      noiseLevel: s.noiseLevel,
      sdeWindow: s.sdeWindow ?? [0, s.steps - 1],
      ...(vocabulary ? { vocabulary } : {}),
    },
  );
  return { prompts, groupIds, seeds, trajectory };
}
