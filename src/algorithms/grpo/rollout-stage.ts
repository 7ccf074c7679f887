// GRPO stage 1 — sample: roll out the iteration's prompt groups (prompt-groups.ts: G samples per prompt) with the
// SDE sampler, recording the trajectory for replay.
import { rolloutPrompts, type PromptModel } from '../../pipeline/text-to-image.js';
import type { Trajectory } from '../../generate/trajectory.js';
import type { PolicyCondition } from '../../models/index.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import type { PromptGroups } from '../prompt-groups.js';
import type { GrpoSettings } from './config.js';

export interface RolloutBatch extends PromptGroups {
  trajectory: Trajectory<PolicyCondition>;
  /** x₀ of the trajectory (what the reward scores). */
  readonly finalSample: Trajectory<PolicyCondition>['finalSample'];
}

/** Prompts and seeds are functions of (seed, iteration) (drawPromptGroups): a resumed run samples what the original would. */
export function rolloutStage(
  policy: PromptModel,
  groups: PromptGroups,
  config: Readonly<GrpoSettings>,
  vocabulary?: WordVocabulary,
): RolloutBatch {
  const s = config.sampler;
  const trajectory = rolloutPrompts(
    policy,
    groups.prompts.map((p) => p.text),
    groups.seeds,
    {
      steps: s.steps,
      guidance: s.guidance,
      sde: s.sde,
      noiseLevel: s.noiseLevel,
      sdeWindow: s.sdeWindow ?? [0, s.steps - 1],
      ...(vocabulary ? { vocabulary } : {}),
    },
  );
  return { ...groups, trajectory, finalSample: trajectory.finalSample };
}
