// GRPO for flow models (Flow-GRPO, arXiv 2505.05470): config type, frozen default, schema.
import { z } from 'zod';
import { parseConfig, loadConfigFile, deepFreeze } from '../../config/load.js';

const posInt = z.number().int().positive();

export const grpoConfigSchema = z
  .object({
    seed: z.number().int().nonnegative().default(0),
    /** The base (and frozen reference) checkpoint. */
    checkpoint: z.string().min(1).default('assets/base/shapes'),
    iterations: posInt.default(200),
    /** Prompts per iteration; each is sampled `groupSize` times (the GRPO group). */
    promptsPerIteration: posInt.default(8),
    groupSize: z.number().int().min(2).default(4),
    sampler: z
      .object({
        steps: posInt.default(10),
        guidance: z.number().positive().default(3),
        /** Flow-GRPO's noise level a. */
        noiseLevel: z.number().positive().default(0.7),
        sde: z.enum(['flow_sde', 'cps']).default('flow_sde'),
        /** Stochastic steps [start, end) (Flow-GRPO-Fast / MixGRPO); default: all but the last. */
        sdeWindow: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).optional(),
      })
      .strict()
      .prefault({}),
    /** Steps trained per iteration: all stochastic ones, or a seeded random subset of this many. */
    trainSteps: posInt.optional(),
    innerEpochs: posInt.default(1),
    minibatchSize: posInt.default(16),
    clipRange: z.number().positive().default(1e-3),
    /** β of the KL to the reference (per-step mean difference, flow_grpo's form). */
    klCoefficient: z.number().nonnegative().default(0.01),
    lr: z.number().positive().default(1e-4),
    gradClip: z.number().positive().default(1),
    /** Group std (Flow-GRPO) or the batch's std. */
    advantageStd: z.enum(['group', 'global']).default('group'),
    eval: z
      .object({ every: z.number().int().nonnegative().default(25), perCategory: z.number().int().min(1).max(120).default(10) })
      .strict()
      .prefault({}),
    out: z.string().min(1).default('runs/grpo-shapes'),
    threads: posInt.optional(),
  })
  .strict();

export type GrpoConfig = z.infer<typeof grpoConfigSchema>;

export const DEFAULT_GRPO_CONFIG: Readonly<GrpoConfig> = deepFreeze(grpoConfigSchema.parse({}));

export function parseGrpoConfig(raw: unknown, where = 'refract train'): Readonly<GrpoConfig> {
  return parseConfig(grpoConfigSchema, raw, where);
}

export function loadGrpoConfig(file: string): Readonly<GrpoConfig> {
  return loadConfigFile(grpoConfigSchema, file, 'refract train');
}
