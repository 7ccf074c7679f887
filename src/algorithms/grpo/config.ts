// GRPO for flow models (Flow-GRPO, arXiv 2505.05470): the `grpo:` section of a run config (src/train/config.ts) —
// type, frozen default, schema. What the run shares with every algorithm (seed, base, iterations, prompts, rewards,
// eval, checkpoints) lives in the run config, not here.
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../../config/load.js';

const posInt = z.number().int().positive();

export const grpoSectionSchema = z
  .object({
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
    /** Optimizer steps per inner epoch: the epoch's samples split into this many gradient-accumulation groups. */
    updatesPerEpoch: posInt.default(1),
    clipRange: z.number().positive().default(1e-3),
    /** β of the KL to the reference (per-step mean difference, flow_grpo's form). */
    klCoefficient: z.number().nonnegative().default(0.01),
    lr: z.number().positive().default(1e-4),
    gradClip: z.number().positive().default(1),
    /** Group std (Flow-GRPO) or the batch's std. */
    advantageStd: z.enum(['group', 'global']).default('group'),
    /**
     * Leave groups whose rewards are all equal (zero advantage, no signal) out of the update, as DAPO's dynamic
     * sampling does (arXiv 2503.14476, §3.2; DAPO resamples to refill the batch, here the batch just shrinks).
     */
    skipZeroVarianceGroups: z.boolean().default(false),
    /**
     * Dense credit (credit/dense.ts): spread each sample's advantage over the latent's pixels with the reward's
     * dense map `map` (e.g. shapes_gold's `pixel_alignment`); A_i,e = (1 − mix)·A_i + mix·Ĝ(d)_i,e. Absent: one
     * advantage per sample (Flow-GRPO).
     */
    dense: z
      .object({
        map: z.string().min(1).default('pixel_alignment'),
        normalize: z.enum(['group', 'sample']).default('group'),
        mix: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .optional(),
  })
  .strict();

export type GrpoSection = z.infer<typeof grpoSectionSchema>;

export const DEFAULT_GRPO_SECTION: Readonly<GrpoSection> = deepFreeze(grpoSectionSchema.parse({}));

/**
 * What the GRPO stages read: the section plus the run's seed. Run-derived (the KL coefficient a monitor raised
 * lives here, never in the frozen config).
 */
export type GrpoSettings = GrpoSection & { readonly seed: number };

export function parseGrpoSection(raw: unknown, where = 'refract train: grpo'): Readonly<GrpoSection> {
  return parseConfig(grpoSectionSchema, raw, where);
}
