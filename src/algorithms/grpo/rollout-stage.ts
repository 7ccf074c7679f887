// GRPO stage 1 — sample: draw prompts, roll out a group of G samples per prompt with the SDE sampler.
import { Rng, deriveSeed } from '../../data/rng.js';
import { samplePrompt } from '../../data/shapes/grammar.js';
import type { ShapesPrompt } from '../../data/shapes/types.js';
import { rolloutPrompts, type PromptModel } from '../../pipeline/text-to-image.js';
import type { Trajectory } from '../../generate/trajectory.js';
import type { PromptCondition } from '../../models/index.js';
import type { GrpoConfig } from './config.js';

export interface RolloutBatch {
  prompts: ShapesPrompt[];
  /** groupIds[i]: which prompt sample i belongs to. */
  groupIds: number[];
  trajectory: Trajectory<PromptCondition>;
}

/** Prompts and seeds are functions of (seed, iteration): a resumed run draws exactly what the original would. */
export function rolloutStage(policy: PromptModel, config: Readonly<GrpoConfig>, iteration: number): RolloutBatch {
  const rng = new Rng(deriveSeed(config.seed, iteration, 1));
  const distinct = Array.from({ length: config.promptsPerIteration }, () => samplePrompt(rng));
  const prompts = distinct.flatMap((p) => Array<ShapesPrompt>(config.groupSize).fill(p));
  const groupIds = distinct.flatMap((_, g) => Array<number>(config.groupSize).fill(g));
  const seeds = prompts.map((_, i) => deriveSeed(config.seed, iteration, 2, i));
  const s = config.sampler;
  const trajectory = rolloutPrompts(
    policy,
    prompts.map((p) => p.text),
    seeds,
    { steps: s.steps, guidance: s.guidance, sde: s.sde, noiseLevel: s.noiseLevel, sdeWindow: s.sdeWindow ?? [0, s.steps - 1] },
  );
  return { prompts, groupIds, trajectory };
}
