// DiffusionNFT (Zheng et al., arXiv 2509.16117): the `nft:` section of a run config (src/train/config.ts) — type,
// frozen default, schema. Defaults follow the authors' SD3.5 configs (NVlabs/DiffusionNFT config/nft.py and
// config/base.py) where they fit one CPU: β 1, advantages clipped at 5 with the batch's std, a CFG-free 10-step
// sampler, decay_type 1 for the old policy, KL weight 1e−4, lr 3e−4. What differs: 16 samples per prompt (theirs 24),
// 4 noised points per sample per iteration (theirs: 9 of the 10 sampler timesteps), Euler instead of their
// second-order DPM solver, AdamW without weight decay (theirs 1e−4). Untuned on the Shapes world.
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../../config/load.js';
import { emaDecaySchema } from '../ema-policy.js';
import { checkTrainingTimes, pointTrainingFields, trainingTimesSchema } from '../training-points.js';

const posInt = z.number().int().positive();

export const nftSectionSchema = z
  .object({
    /** Distinct prompts per iteration; each is sampled `groupSize` times (the advantage group). */
    promptsPerIteration: posInt.default(4),
    groupSize: z.number().int().min(2).default(16),
    /** The old policy's deterministic sampler (Euler ODE); guidance 1 is the paper's CFG-free setting. */
    sampler: z
      .object({
        steps: posInt.default(10),
        guidance: z.number().positive().default(1),
      })
      .strict()
      .prefault({}),
    /**
     * Train the sampler's guided velocity v_∅ + w·(v_c − v_∅) (w = sampler.guidance ≠ 1) instead of the conditional
     * one (update-stage.ts): use it when the model will be sampled with CFG, so the loss improves that sampler.
     */
    guidedVelocity: z.boolean().default(false),
    /**
     * Train only on groups whose rewards differ (DAPO's dynamic-sampling filter, arXiv 2503.14476 §3.2): a solved or
     * hopeless group has A = 0, r = ½, and its points only pull v_θ back toward v_old at the cost of a full update.
     * Pair it with more promptsPerIteration to keep the trained batch. One process only (ranks would differ).
     */
    skipZeroVarianceGroups: z.boolean().default(false),
    /** Where x_t is taken: t per point (training-points.ts). */
    timesteps: trainingTimesSchema({ perSample: 4, gridStart: 0 }),
    /** β: how far the implicit positive/negative policies step from the old one (theirs 1; 0.1 for OCR). */
    beta: z.number().positive().default(1),
    /** c: advantages are clipped to [−c, c] and mapped to r = A/(2c) + ½ (adv_clip_max). */
    advantageClip: z.number().positive().default(5),
    /** Group std (Flow-GRPO) or the batch's std (the authors' sample.global_std = True). */
    advantageStd: z.enum(['group', 'global']).default('global'),
    /** The old policy's EMA decay schedule (ema-policy.ts); the default is the authors' decay_type 1. */
    oldPolicy: emaDecaySchema.prefault({}),
    /**
     * A slow EMA of the policy that the trainer evaluates and ships instead of the last iterate, updated once per
     * iteration with a constant decay: θ_eval ← d·θ_eval + (1 − d)·θ (Flow-GRPO evaluates an EMA of its trained
     * weights, train.ema; Polyak averaging). Absent: the policy itself is evaluated.
     */
    evaluatedEma: z
      .object({ decay: z.number().min(0).lt(1) })
      .strict()
      .optional(),
    /**
     * The learning rate decays by a half cosine from `lr` to minRatio·lr over `steps` optimizer steps, then stays
     * there (SGDR without restarts, arXiv 1608.03983): a run capped by wall time settles instead of drifting at its
     * initial rate. Absent: constant `lr`.
     */
    lrDecay: z
      .object({ steps: posInt, minRatio: z.number().min(0).max(1).default(0.1) })
      .strict()
      .optional(),
    /**
     * Hindsight relabelling (../hindsight.ts; HER, arXiv 1707.01495): a sample whose image shows another admitted
     * prompt of its category (the reward's `hindsight`, e.g. shapes_gold options.hindsight) is trained again under
     * that prompt with optimality probability `r` — a positive for what it shows beside the negative for what it
     * was asked. At most `maxPerIteration` relabels per iteration. With `paired`, the relabelled sample's r under
     * the prompt it was asked is at most 1 − r (../hindsight.ts pairedOptimality). Absent: no relabelling.
     */
    hindsight: z
      .object({ r: z.number().min(0).max(1).default(1), maxPerIteration: posInt.default(64), paired: z.boolean().default(false) })
      .strict()
      .optional(),
    /**
     * Train the prompt encoder too, at `lr` (an AdamW group of its own; the denoiser keeps the section's lr). The loss
     * then encodes each minibatch's prompts with grad, and v_old and v_ref encode them with the old and the reference
     * encoder (update-stage.ts). Why: a frozen encoder bounds how differently the denoiser can treat "A left of B" and
     * "B left of A" (../policy-optimizer.ts). Absent: the encoder stays the base's, as Flow-GRPO keeps its text encoders.
     */
    encoder: z
      .object({ lr: z.number().positive() })
      .strict()
      .optional(),
    /**
     * Optimizer steps per epoch: the iteration's points are split into this many consecutive chunks (point p = k·B + i
     * is sample i's k-th time, so with stepsPerEpoch = timesteps.perSample each chunk is every sample at one of its
     * times), one accumulated step on each. 1 (the default) is one step on all points. More steps move the policy
     * further per sampled batch at the same compute, as the authors take several optimizer steps per batch
     * (NVlabs/DiffusionNFT scripts/train_nft_sd3.py: one step per gradient-accumulation cycle over the timesteps).
     */
    stepsPerEpoch: posInt.default(1),
    /** κ of κ·mean‖v_θ − v_ref‖² (the authors' train.beta). */
    klCoefficient: z.number().nonnegative().default(1e-4),
    ...pointTrainingFields,
  })
  .strict()
  .superRefine(checkTrainingTimes)
  .superRefine((s, ctx) => {
    if (s.guidedVelocity && s.sampler.guidance === 1) {
      ctx.addIssue({ code: 'custom', path: ['guidedVelocity'], message: 'needs sampler.guidance ≠ 1 (the guided velocity of w = 1 is the conditional one) — set sampler.guidance, e.g. 3' });
    }
    if (s.encoder && s.hindsight) {
      // relabelled samples arrive encoded (../hindsight.ts), without the token ids a trained encoder needs
      ctx.addIssue({ code: 'custom', path: ['encoder'], message: 'cannot be combined with hindsight (relabels carry no token ids) — remove nft.encoder or nft.hindsight' });
    }
  });

export type NftSection = z.infer<typeof nftSectionSchema>;

export const DEFAULT_NFT_SECTION: Readonly<NftSection> = deepFreeze(nftSectionSchema.parse({}));

/** What the NFT stages read: the section, the run's seed and the current (possibly monitor-raised) KL weight. */
export type NftSettings = NftSection & { readonly seed: number };

export function parseNftSection(raw: unknown, where = 'refract train: nft'): Readonly<NftSection> {
  return parseConfig(nftSectionSchema, raw, where);
}
