// What a run needs before its first iteration: the policy and its frozen reference (both from the base
// checkpoint), the policy's vocabulary, the proxy reward and the prompt source — the AlgorithmContext.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadCheckpoint } from '../models/checkpoint.js';
import type { TextToImageModel } from '../models/text-to-image.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import { buildReward, parseRewardSpecs } from '../rewards/config.js';
import type { RewardModel } from '../rewards/types.js';
import type { AlgorithmContext } from '../algorithms/algorithm.js';
import { buildPromptSource } from './prompt-sources.js';
import type { RunConfig } from './config.js';

/** Loads the base as a text-to-image model; errors say which config field to fix. */
export function loadBase(dir: string): { model: TextToImageModel; vocabulary: AlgorithmContext['vocabulary'] } {
  if (!existsSync(path.join(dir, 'config.json'))) {
    throw new Error(`refract train: base must be a model folder with config.json, got "${dir}" — e.g. assets/base/shapes (run from the repository root)`);
  }
  const ck = loadCheckpoint(dir);
  if (ck.kind !== 'text-to-image') {
    ck.model.dispose();
    throw new Error(`refract train: base must be a text-to-image model, got a ${ck.kind} checkpoint in "${dir}" — image algorithms train image models`);
  }
  return { model: ck.model, vocabulary: testbedOfCheckpoint(ck.kind, ck.extra).vocabulary };
}

/** The algorithm's context: policy (trainable), reference (frozen, eval mode), reward, prompts, seed, vocabulary. */
export async function buildContext(config: Readonly<RunConfig>, reward?: RewardModel): Promise<AlgorithmContext> {
  const { model: policy, vocabulary } = loadBase(config.base);
  const { model: reference } = loadBase(config.base);
  reference.requiresGrad_(false);
  reference.eval();
  return {
    policy,
    reference,
    reward: reward ?? (await buildReward(parseRewardSpecs(config.rewards))),
    prompts: buildPromptSource(config.prompts),
    seed: config.seed,
    ...(vocabulary ? { vocabulary } : {}),
  };
}
