// Advantage Weighted Matching (Xue et al., arXiv 2509.25050): the `awm:` section of a run config
// (src/train/config.ts) — type, frozen default, schema. Defaults follow the authors' GenEval config
// (scxue/advantage_weighted_matching config/dgx_awm.py, geneval_sd3_no_cfg_1node) where they fit one CPU: CFG-free
// on-policy samples, advantages clipped at 5 and scaled to [−1, 1] with the batch's std, PPO clip range 1 on the
// ratio, KL 1e−3 to the reference and 1 to an EMA copy whose decay ramps to 0.3, lr 3e−4. What differs: 10 Euler
// ODE steps (theirs 14 steps of an SA-solver), 16 samples per prompt (theirs 24), 4 trained grid levels per sample
// (theirs 6, stratified and shared across the batch), the plain 'uniform' weighting by default (theirs 'ghuber' with
// power 0.25, selectable), AdamW without weight decay (theirs 1e−4). Untuned on the Shapes world.
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../../config/load.js';
import { emaDecaySchema } from '../ema-policy.js';
import { checkTrainingTimes, pointTrainingFields, trainingTimesSchema } from '../training-points.js';

const posInt = z.number().int().positive();

export const awmSectionSchema = z
  .object({
    /** Distinct prompts per iteration; each is sampled `groupSize` times (the advantage group). */
    promptsPerIteration: posInt.default(4),
    groupSize: z.number().int().min(2).default(16),
    /** The current policy's sampler: 'ode' (Euler) or Flow-GRPO's stochastic 'flow_sde' / 'cps'. */
    sampler: z
      .object({
        kind: z.enum(['ode', 'flow_sde', 'cps']).default('ode'),
        steps: posInt.default(10),
        guidance: z.number().positive().default(1),
        /** Noise level a of the stochastic samplers (ignored by 'ode'). */
        noiseLevel: z.number().positive().default(0.7),
      })
      .strict()
      .prefault({}),
    /** Where x_t is taken: t per point (training-points.ts); grid level 0 (σ = 1) is skipped, as the authors do. */
    timesteps: trainingTimesSchema({ perSample: 4, gridStart: 1 }),
    /** The per-point log-likelihood surrogate ℓ of the error e (loss.ts): −e, −t·e, or −t·((e + δ)^q − δ^q)/q. */
    weighting: z.enum(['uniform', 't', 'ghuber']).default('uniform'),
    /** q of 'ghuber' (the authors' ghuber_power). */
    ghuberPower: z.number().positive().max(1).default(0.25),
    /** c: advantages are clipped to [−c, c], then scaled by advantageMax/c (adv_clip_max, advantage_max). */
    advantageClip: z.number().positive().default(5),
    advantageMax: z.number().positive().default(1),
    /** Group std (Flow-GRPO) or the batch's std (the authors' sample.global_std = True). */
    advantageStd: z.enum(['group', 'global']).default('global'),
    /** PPO's ε on the ratio exp(ℓ_θ − ℓ_old) (theirs 1: the clip rarely acts). */
    clipRange: z.number().positive().default(1),
    /** β_ref of β_ref·mean‖v_θ − v_ref‖² (the authors' train.beta). */
    klCoefficient: z.number().nonnegative().default(1e-3),
    /** β_ema of β_ema·mean‖v_θ − v_ema‖² (the authors' ema_beta); 0 drops the EMA copy. */
    emaKlCoefficient: z.number().nonnegative().default(1),
    /** The EMA copy's decay schedule (ema-policy.ts): the authors' 'linear' kl_ema_decay, min(0.001·n, 0.3). */
    ema: emaDecaySchema.extend({ max: z.number().min(0).max(1).default(0.3) }).prefault({}),
    ...pointTrainingFields,
  })
  .strict()
  .superRefine(checkTrainingTimes);

export type AwmSection = z.infer<typeof awmSectionSchema>;

export const DEFAULT_AWM_SECTION: Readonly<AwmSection> = deepFreeze(awmSectionSchema.parse({}));

/** What the AWM stages read: the section, the run's seed and the current (possibly monitor-raised) KL weight. */
export type AwmSettings = AwmSection & { readonly seed: number };

export function parseAwmSection(raw: unknown, where = 'refract train: awm'): Readonly<AwmSection> {
  return parseConfig(awmSectionSchema, raw, where);
}
