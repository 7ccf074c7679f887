// Pretraining config (`refract pretrain CONFIG.yaml`): type, frozen default, schema (STYLE §5).
import { z } from 'zod';
import { parseConfig, loadConfigFile, deepFreeze } from '../config/load.js';
import { CATEGORIES } from '../data/shapes/types.js';
import { TESTBED_NAMES } from './testbeds/types.js';

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const prob = z.number().min(0).max(1);

export const pretrainConfigSchema = z
  .object({
    /** Every step's randomness (data, noise, σ, dropout) is a function of (seed, step): resume is exact. */
    seed: nonNegInt.default(0),
    /** What to train on; picks the data, the model kind and the evaluation (src/pretrain/testbeds/). */
    testbed: z.enum(TESTBED_NAMES).default('shapes'),
    /**
     * A checkpoint folder to fine-tune from (e.g. assets/base/shapes): architecture and starting weights (model and
     * EMA) come from it, `model` must then be absent or repeat its values, and `testbed` must be the one it was
     * trained on (./init.ts). Unset: a fresh model of the testbed's architecture.
     */
    init: z.string().min(1).optional(),
    /** Architecture overrides on the testbed's defaultModelConfig (validated by the model's own schema). */
    model: z.record(z.string(), z.unknown()).default({}),
    /** Shapes-world data options (the other testbeds have none and ignore this section). */
    data: z
      .object({
        /** 'default' withholds DEFAULT_HELD_OUT combinations so the base has real compositional gaps. */
        heldOut: z.enum(['default', 'none']).default('default'),
        /** Category mix of training prompts (weights; missing categories get 1). */
        categoryWeights: z.partialRecord(z.enum(CATEGORIES), z.number().nonnegative()).default({}),
      })
      .strict()
      .prefault({}),
    training: z
      .object({
        steps: posInt.default(20000),
        /**
         * Stop after this step while keeping the learning-rate schedule of `steps` (a snapshot of a longer run, so
         * that run and snapshot are one reproducible recipe). Absent: run all `steps`.
         */
        stopAfter: posInt.optional(),
        batchSize: posInt.default(32),
        lr: z.number().positive().default(3e-4),
        weightDecay: z.number().nonnegative().default(0.01),
        warmupSteps: nonNegInt.default(500),
        minLrRatio: prob.default(0.1),
        gradClip: z.number().positive().default(1),
        emaDecay: prob.default(0.999),
        /** Probability of training on the null prompt, for classifier-free guidance (Ho & Salimans 2207.12598). */
        condDropout: prob.default(0.1),
        sigmaSampling: z.enum(['uniform', 'logit_normal']).default('logit_normal'),
        threads: posInt.optional(),
        /**
         * Auxiliary grounding loss on the prompt encoder's noun tokens (./grounding.ts; Shapes only): weights of the
         * box-centre and colour terms. 0 and 0 (the default) train with the flow-matching loss alone.
         */
        grounding: z
          .object({ position: z.number().nonnegative().default(0), color: z.number().nonnegative().default(0) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    checkpoint: z
      .object({
        dir: z.string().min(1).default('runs/pretrain-shapes'),
        every: posInt.default(1000),
        /** Checkpoints kept besides the latest (older ones are deleted). */
        keep: nonNegInt.default(2),
      })
      .strict()
      .prefault({}),
    eval: z
      .object({
        every: nonNegInt.default(0),
        /** Samples per category (shapes) or per class (fashion_mnist, mnist); clips in all (moving_shapes). */
        perCategory: z.number().int().min(1).max(120).default(10),
        steps: posInt.default(20),
        guidance: z.number().positive().default(3),
        /**
         * Evaluated samples of each evaluation kept in the run store (checkpoint.dir/runs.sqlite) for the Studio's
         * gallery — clips as animated GIFs (testbeds whose evaluation returns its samples: moving_shapes).
         */
        storeSamples: nonNegInt.default(8),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const g = c.training.grounding;
    if ((g.position > 0 || g.color > 0) && c.testbed !== 'shapes') {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'grounding'],
        message: `must be 0 outside the shapes testbed (its scenes give the targets), got testbed "${c.testbed}"`,
      });
    }
    const { stopAfter, steps } = c.training;
    if (stopAfter !== undefined && stopAfter > steps) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'stopAfter'],
        message: `must be at most training.steps (${steps}), got ${stopAfter} — raise steps or lower stopAfter`,
      });
    }
  });

export type PretrainConfig = z.infer<typeof pretrainConfigSchema>;

export const DEFAULT_PRETRAIN_CONFIG: Readonly<PretrainConfig> = deepFreeze(pretrainConfigSchema.parse({}));

export function parsePretrainConfig(raw: unknown, where = 'refract pretrain'): Readonly<PretrainConfig> {
  return parseConfig(pretrainConfigSchema, raw, where);
}

export function loadPretrainConfig(file: string): Readonly<PretrainConfig> {
  return loadConfigFile(pretrainConfigSchema, file, 'refract pretrain');
}
