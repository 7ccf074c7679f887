// Diffusion-DPO (arXiv 2311.12908) config section: type, frozen default, strict schema (STYLE §5).
// Defaults are the online settings of the best measured run on the shipped Shapes base (gold reward, 1408 samples:
// training-batch gold 0.56 → 0.71 by 5-iteration windows; ShapesEval at perCategory 10 unchanged at 0.717 — see
// the closing note). β is for element-mean flow-matching losses on 32×32 RGB.
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../../config/load.js';
import { PAIR_KINDS } from '../../rewards/preference/pairs.js';

const posInt = z.number().int().positive();

/** Where offline pairs come from. */
export const dpoPairSourceSchema = z.discriminatedUnion('kind', [
  /** Shapes-world renders labelled by the gold evaluator (rewards/preference/pairs.ts), with label noise. */
  z
    .object({
      kind: z.literal('synthetic'),
      count: posInt.default(512),
      /** Probability of flipping each label (annotator disagreement). */
      labelNoise: z.number().min(0).max(1).default(0),
      seed: z.number().int().nonnegative().default(0),
      kinds: z.array(z.enum(PAIR_KINDS)).min(1).optional(),
    })
    .strict(),
  /** A preferences table: a JSONL export or a runs.sqlite (store/run-store-preferences.ts), images by a_path/b_path. */
  z.object({ kind: z.literal('file'), path: z.string().min(1) }).strict(),
]);

export const dpoSectionSchema = z
  .object({
    mode: z.enum(['online', 'offline']).default('online'),
    /** β of the DPO objective (the implicit reward's scale); flow-matching losses are element means. */
    beta: z.number().positive().default(1000),
    lr: z.number().positive().default(5e-5),
    gradClip: z.number().positive().default(1),
    /** Optimizer steps per iteration; each one over all of the iteration's pairs (fresh σ, ε per step). */
    innerEpochs: posInt.default(2),
    /** Pairs per forward/backward chunk (gradients are accumulated over the chunks of one optimizer step). */
    minibatchSize: posInt.default(16),
    /** How σ of the shared noising is drawn: U(0,1) as in the paper, or SD3's logit-normal. */
    sigmaSampling: z.enum(['uniform', 'logit_normal']).default('uniform'),
    online: z
      .object({
        promptsPerIteration: posInt.default(8),
        /** Samples per prompt (G); pairs are formed inside a group. */
        groupSize: z.number().int().min(2).default(8),
        pairing: z.enum(['best_worst', 'all']).default('best_worst'),
        /** A pair needs r_w − r_l > minMargin (0: skip exact ties only). */
        minMargin: z.number().nonnegative().default(0),
        sampler: z
          .object({
            steps: posInt.default(8),
            guidance: z.number().positive().default(3),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    offline: z
      .object({
        pairsPerIteration: posInt.default(32),
        source: dpoPairSourceSchema.default({ kind: 'synthetic', count: 512, labelNoise: 0, seed: 0 }),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type DpoSection = z.infer<typeof dpoSectionSchema>;
export type DpoPairSourceConfig = z.infer<typeof dpoPairSourceSchema>;

export const DEFAULT_DPO_SECTION: Readonly<DpoSection> = deepFreeze(dpoSectionSchema.parse({}));

export function parseDpoSection(raw: unknown, where = 'refract train (dpo)'): Readonly<DpoSection> {
  return parseConfig(dpoSectionSchema, raw, where);
}
