/**
 * Reward specs for config files (STYLE §5): a schema that validates unknown input into a typed spec, and a typed
 * registry that builds each kind — so a run config names its rewards and weights instead of picking them by
 * string inside a training script (ddpo-pytorch's `getattr(rewards, name)`).
 *
 *   rewards:
 *     - { kind: shapes_gold, weight: 1, options: { total: partial } }
 *     - { kind: quality, weight: 0.2 }
 *     - { kind: constraint, options: { forbiddenColors: [red] } }
 *     - { kind: preference, options: { pairs: 1500, labelNoise: 0.1, steps: 800, cache: runs/rm-cache } }
 *     - { kind: preference, options: { members: 4, pessimism: 1 } }   # conservative: ensemble mean − 1·std
 *     - { kind: shapes_gold, name: pass, weight: 1, options: { total: gold } }   # a second member of one kind
 *
 * One spec builds that reward; several build a CompositeReward with the weights (GDPO weighting is the credit
 * layer's, composite.ts).
 */
import { z } from 'zod';
import { parseConfig } from '../config/load.js';
import { loadShippedClassifier } from '../eval/classifier/io.js';
import { COLORS } from '../data/shapes/types.js';
import { classifierReward } from './classifier.js';
import { compositeReward, renamedReward } from './composite.js';
import { constraintReward } from './constraint.js';
import { ocrReward } from './ocr.js';
import { NSFW_MODELS, nsfwReward } from './nsfw.js';
import { physicsReward } from './physics.js';
import { buildPreferenceReward } from './preference/preference-reward.js';
import { QUALITY_COMPONENTS, qualityReward } from './quality.js';
import { shapesGoldReward } from './shapes-gold.js';
import { torchscriptReward } from './torchscript.js';
import type { RewardModel } from './types.js';

const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const rgb = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)]);

/** Options per kind; every object is strict so a misspelt option fails with its field name. */
const OPTION_SCHEMAS = {
  shapes_gold: z
    .object({
      mode: z.enum(['geneval', 'strict']).optional(),
      total: z.enum(['gold', 'partial']).optional(),
      dense: z.boolean().optional(),
      /** Also return, per image, the prompt it satisfies instead (nft.hindsight reads it). */
      hindsight: z.boolean().optional(),
    })
    .strict(),
  quality: z
    .object({
      block: z.number().int().min(2).optional(),
      weights: z.partialRecord(z.enum(QUALITY_COMPONENTS), z.number()).optional(),
    })
    .strict(),
  constraint: z
    .object({
      forbiddenColors: z.array(z.union([z.enum(COLORS), rgb])).optional(),
      forbiddenRegions: z.array(box).optional(),
      colorTolerance: z.number().positive().optional(),
      minPixels: z.number().int().positive().optional(),
    })
    .strict(),
  physics: z.object({ total: z.enum(['score', 'pass']).optional() }).strict(),
  ocr: z
    .object({ charset: z.enum(['auto', 'alnum', 'any']).optional(), workers: z.number().int().positive().optional() })
    .strict(),
  classifier: z.object({ classifier: z.enum(['fashion-mnist', 'mnist']) }).strict(),
  nsfw: z
    .object({
      model: z.enum(NSFW_MODELS).optional(),
      total: z.enum(['safe', 'constraint']).optional(),
      threshold: z.number().gt(0).lt(1).optional(),
      batchSize: z.number().int().positive().optional(),
    })
    .strict(),
  torchscript: z
    .object({
      path: z.string().min(1),
      name: z.string().min(1).optional(),
      inputRange: z.enum(['unit', 'signed']).optional(),
    })
    .strict(),
  /** A Bradley–Terry model (or bootstrap ensemble) trained on synthetic gold-labelled Shapes pairs; differentiable. */
  preference: z
    .object({
      pairs: z.number().int().min(2).optional(),
      /** Label-flip probability; at 0.5 the labels carry no preference. */
      labelNoise: z.number().min(0).lt(0.5).optional(),
      members: z.number().int().min(1).optional(),
      /** Bradley–Terry training steps per member. */
      steps: z.number().int().min(1).optional(),
      seed: z.number().int().nonnegative().optional(),
      /** Fresh, correctly labelled pairs the held-out pairwise accuracy is measured on. */
      heldOutPairs: z.number().int().min(1).optional(),
      /** Folder of trained models: loaded when the same options were trained before, written after training. */
      cache: z.string().min(1).optional(),
      /**
       * λ of the conservative ensemble reward mean − λ·std over members (preference/conservative.ts; Coste et al.,
       * arXiv 2310.02743). 0 (default): the plain mean. Needs members ≥ 2.
       */
      pessimism: z.number().nonnegative().optional(),
    })
    .strict()
    .refine((o) => !(o.pessimism && o.pessimism > 0 && (o.members ?? 1) < 2), {
      message: 'pessimism needs an ensemble: set members ≥ 2 (one model has no disagreement to subtract)',
      path: ['pessimism'],
    }),
} as const;

export type RewardKind = keyof typeof OPTION_SCHEMAS;

/** Whether a (valid) spec's reward returns hindsight prompts (RewardResult.hindsight). */
export function specRelabels(spec: { kind: RewardKind; options?: unknown }): boolean {
  return spec.kind === 'shapes_gold' && OPTION_SCHEMAS.shapes_gold.safeParse(spec.options ?? {}).data?.hindsight === true;
}
export const REWARD_KINDS = Object.keys(OPTION_SCHEMAS) as RewardKind[];

function specOf<K extends RewardKind>(kind: K) {
  const options: z.ZodType = OPTION_SCHEMAS[kind];
  return z
    .object({
      kind: z.literal(kind),
      /** The member's name inside a composite (default: the reward's own), so one kind can appear twice. */
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case (it names the composite\'s components)')
        .optional(),
      weight: z.number().default(1),
      options: options.optional(),
    })
    .strict();
}

const specSchema = z.discriminatedUnion('kind', [
  specOf('shapes_gold'),
  specOf('quality'),
  specOf('constraint'),
  specOf('physics'),
  specOf('ocr'),
  specOf('classifier'),
  specOf('nsfw'),
  specOf('torchscript'),
  specOf('preference'),
]);

export const rewardsConfigSchema = z.array(specSchema).min(1);

/** One reward spec, its options typed by its kind. */
export type RewardSpec = {
  [K in RewardKind]: { kind: K; name?: string | undefined; weight: number; options: z.infer<(typeof OPTION_SCHEMAS)[K]> };
}[RewardKind];

type Builders = { [K in RewardKind]: (o: z.infer<(typeof OPTION_SCHEMAS)[K]>) => RewardModel | Promise<RewardModel> };

/** The typed registry: one builder per kind. */
export const REWARD_BUILDERS: Readonly<Builders> = Object.freeze({
  shapes_gold: (o) =>
    shapesGoldReward({ gold: o.mode ? { mode: o.mode } : {}, total: o.total ?? 'gold', dense: o.dense ?? true, hindsight: o.hindsight ?? false }),
  quality: (o) =>
    qualityReward({ ...(o.block ? { block: o.block } : {}), ...(o.weights ? { weights: o.weights } : {}) }),
  constraint: (o) => constraintReward(o),
  physics: (o) => physicsReward(o.total ? { total: o.total } : {}),
  ocr: (o) =>
    ocrReward({ ...(o.charset ? { charset: o.charset } : {}), engine: o.workers ? { workers: o.workers } : {} }),
  classifier: (o) => classifierReward(loadShippedClassifier(o.classifier)),
  nsfw: (o) => nsfwReward(o),
  torchscript: (o) =>
    torchscriptReward(o.path, { ...(o.name ? { name: o.name } : {}), inputRange: o.inputRange ?? 'unit' }),
  preference: (o) => buildPreferenceReward(o),
});

/** Validates unknown input (parsed YAML) into reward specs; errors name the offending field. */
export function parseRewardSpecs(raw: unknown): readonly RewardSpec[] {
  const specs = parseConfig(rewardsConfigSchema, raw, 'rewards');
  // Options were checked by kind above; parse again with the kind's schema to apply it and get its type.
  return specs.map((s) => ({ ...s, options: OPTION_SCHEMAS[s.kind].parse(s.options ?? {}) }) as RewardSpec);
}

/** Builds the reward of one spec, or a weighted composite of several. */
export async function buildReward(specs: readonly RewardSpec[]): Promise<RewardModel> {
  const build = REWARD_BUILDERS as Readonly<
    Record<RewardKind, (o: RewardSpec['options']) => RewardModel | Promise<RewardModel>>
  >;
  const built = await Promise.all(specs.map((s) => build[s.kind](s.options)));
  const models = built.map((m, i) => (specs[i]!.name === undefined ? m : renamedReward(m, specs[i]!.name!)));
  if (models.length === 1) return models[0]!;
  return compositeReward({
    rewards: models,
    weights: Object.fromEntries(models.map((m, i) => [m.name, specs[i]!.weight])),
  });
}
