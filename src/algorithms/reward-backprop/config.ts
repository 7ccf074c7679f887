// Reward back-propagation (ReFL, DRaFT-K / DRaFT-LV) config section: type, frozen default, strict schema (STYLE §5).
// Defaults: DRaFT-1 at lr 1e-5, the measured setting that did not hurt the shipped Shapes base with a Bradley–Terry
// reward (held-out pairwise accuracy 0.78): 544 samples left ShapesEval (perCategory 10) at 0.717. At lr 5e-5 the
// proxy rose 1.5 → 16 while gold fell (ShapesEval 0.717 → 0.600): reward hacking. No setting measured so far
// improved gold; the reference anchor (`regularizer`) is the intended guard but was not measured.
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../../config/load.js';

const posInt = z.number().int().positive();

export const rewardBackpropSectionSchema = z
  .object({
    method: z.enum(['draft', 'refl']).default('draft'),
    /** Images generated (and back-propagated through) per iteration, one prompt each. */
    batchSize: posInt.default(16),
    lr: z.number().positive().default(1e-5),
    gradClip: z.number().positive().default(1),
    /** λ: loss = −λ·mean r(x̂₀) + regularizer. */
    rewardScale: z.number().positive().default(1),
    sampler: z
      .object({
        steps: z.number().int().min(2).default(10),
        guidance: z.number().positive().default(3),
      })
      .strict()
      .prefault({}),
    draft: z
      .object({
        /** Steps back-propagated through (DRaFT-K); 1 is DRaFT-1. */
        k: posInt.default(1),
        /** DRaFT-LV: re-noised copies of the last step (1 = plain DRaFT; > 1 needs k = 1). */
        lvSamples: posInt.default(1),
      })
      .strict()
      .prefault({}),
    refl: z
      .object({
        /**
         * The stop step j is drawn uniformly from [first, last] (step indices of the sampler, 0 = pure noise);
         * ReFL draws it among the last steps (t ∈ [T1, T2] late in sampling). Default: the sampler's last 3 steps.
         */
        stopStep: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).optional(),
      })
      .strict()
      .prefault({}),
    /**
     * Anchor to the base: weight·mean ‖v_θ(x_σ) − v_ref(x_σ)‖² at a random σ on the iteration's own (detached)
     * samples — the flow analogue of a KL to the reference. ReFL regularises with the pretraining loss on real
     * data instead; the trainer hands algorithms no dataset, so the reference's velocity field stands in for it.
     */
    regularizer: z
      .object({
        kind: z.enum(['none', 'reference']).default('none'),
        weight: z.number().nonnegative().default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.draft.lvSamples > 1 && c.draft.k !== 1) {
      ctx.addIssue({ code: 'custom', path: ['draft', 'lvSamples'], message: `must be 1 unless draft.k is 1 (DRaFT-LV re-noises the last step only; k is ${c.draft.k})` });
    }
    if (c.draft.k > c.sampler.steps) {
      ctx.addIssue({ code: 'custom', path: ['draft', 'k'], message: `must be at most sampler.steps (${c.sampler.steps})` });
    }
    const [a, b] = c.refl.stopStep ?? [0, 0];
    if (!(a <= b && b < c.sampler.steps)) {
      ctx.addIssue({ code: 'custom', path: ['refl', 'stopStep'], message: `must be [first, last] with first ≤ last < sampler.steps (${c.sampler.steps})` });
    }
  });

export type RewardBackpropSection = z.infer<typeof rewardBackpropSectionSchema>;

export const DEFAULT_REWARD_BACKPROP_SECTION: Readonly<RewardBackpropSection> = deepFreeze(rewardBackpropSectionSchema.parse({}));

/** ReFL's stop-step range [first, last]: the configured one, else the sampler's last 3 steps. */
export function reflStopRange(c: Readonly<RewardBackpropSection>): readonly [number, number] {
  return c.refl.stopStep ?? [Math.max(0, c.sampler.steps - 3), c.sampler.steps - 1];
}

export function parseRewardBackpropSection(raw: unknown, where = 'refract train (reward-backprop)'): Readonly<RewardBackpropSection> {
  return parseConfig(rewardBackpropSectionSchema, raw, where);
}
