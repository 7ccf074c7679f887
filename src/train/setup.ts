// What a run needs before its first iteration: the policy and its frozen reference (both from the base
// checkpoint — or, with `lora`, the adapted policy and itself with the adapters off), the policy's vocabulary, the
// proxy reward and the prompt source — the AlgorithmContext.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadCheckpoint } from '../models/checkpoint.js';
import { ConfigError } from '../config/load.js';
import { quoteValue } from '../config/errors.js';
import { TextToImageModel } from '../models/text-to-image.js';
import { ScriptGenerator } from '../models/torchscript/generator.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import { buildReward, parseRewardSpecs } from '../rewards/config.js';
import type { RewardModel } from '../rewards/types.js';
import type { AlgorithmContext } from '../algorithms/algorithm.js';
import type { LoraAdapters } from '../torch/nn/lora.js';
import { adaptersOffReference, adaptPolicy } from './lora.js';
import { buildPromptSource } from './prompt-sources.js';
import type { RunConfig } from './config.js';

/**
 * Loads the base as an image policy — Refract's text-to-image model, or a generator brought as TorchScript
 * (kind "torchscript-generator", docs/byo-generator.md); errors say which config field to fix.
 */
export function loadBase(dir: string): { model: TextToImageModel | ScriptGenerator; vocabulary: AlgorithmContext['vocabulary'] } {
  if (!existsSync(path.join(dir, 'config.json'))) {
    throw new ConfigError('refract train', [`field "base" must be a model folder with config.json, got ${quoteValue(dir)} — e.g. assets/base/shapes (run from the repository root)`]);
  }
  const ck = loadCheckpoint(dir);
  if (ck.kind === 'text-to-video') {
    ck.model.dispose();
    throw new ConfigError('refract train', [`field "base" must be a text-to-image model or a TorchScript generator, got a ${ck.kind} checkpoint in ${quoteValue(dir)} — image algorithms train image models`]);
  }
  return { model: ck.model, vocabulary: testbedOfCheckpoint(ck.kind, ck.extra).vocabulary };
}

/** The AlgorithmContext, plus the policy's adapters when the run trains LoRA (the trainer merges them at export). */
export interface TrainingContext extends AlgorithmContext {
  readonly lora: LoraAdapters | null;
}

/**
 * The algorithm's context: policy (trainable), reference (frozen, eval mode), reward, prompts, seed, vocabulary.
 * With `lora`, the policy is the base with adapters (only they train) and the reference is the policy with them off.
 */
export async function buildContext(config: Readonly<RunConfig>, reward?: RewardModel): Promise<TrainingContext> {
  const { model: policy, vocabulary } = loadBase(config.base);
  if (config.lora && policy instanceof ScriptGenerator) {
    policy.dispose();
    throw new ConfigError('refract train', ['field "lora" must be absent for a TorchScript generator base, got a lora section — train all its parameters, or some by name with the generator config\'s "train" patterns']);
  }
  const { reference, lora } =
    config.lora && policy instanceof TextToImageModel ? adaptedPolicy(policy, config.lora, config.seed) : frozenCopy(policy, config.base);
  return {
    policy,
    reference,
    lora,
    reward: reward ?? (await buildReward(parseRewardSpecs(config.rewards))),
    prompts: buildPromptSource(config.prompts),
    seed: config.seed,
    ...(vocabulary ? { vocabulary } : {}),
  };
}

type PolicyReference = Pick<TrainingContext, 'reference' | 'lora'>;

/** Full fine-tuning: the reference is a second, frozen copy of the base (a TorchScript module's deep copy). */
function frozenCopy(policy: TextToImageModel | ScriptGenerator, base: string): PolicyReference {
  if (policy instanceof ScriptGenerator) return { reference: policy.frozenCopy(), lora: null };
  const { model } = loadBase(base);
  model.requiresGrad_(false);
  model.eval();
  return { reference: model, lora: null };
}

/** LoRA: adapters on the policy (frees it when the config is refused); the reference is the policy, adapters off. */
function adaptedPolicy(policy: TextToImageModel, config: NonNullable<RunConfig['lora']>, seed: number): PolicyReference {
  try {
    const lora = adaptPolicy(policy, config, seed);
    return { reference: adaptersOffReference(policy, lora), lora };
  } catch (err) {
    policy.dispose();
    throw err;
  }
}
