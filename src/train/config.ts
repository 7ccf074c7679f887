// The run config of `refract train` (and of each arm of `refract compare`): what every algorithm shares — base
// model, seed, iterations, prompts, rewards, evaluation, checkpoints, the NaN/Inf stop policy, the monitor — plus
// one section per registered algorithm (`grpo: {...}`, ...), each validated by that algorithm's own schema.
// Type, frozen default and schema (STYLE §5); errors name the field (src/config/load.ts).
import { auditGateConfigSchema } from './audit-gate.js';
import { z } from 'zod';
import { CATEGORIES } from '../data/shapes/types.js';
import { parseConfig, loadConfigFile, deepFreeze } from '../config/load.js';
import { rewardsConfigSchema, specRelabels } from '../rewards/config.js';
import { monitorConfigSchema } from '../reliability/monitor/config.js';
import { promptSourceSchema } from './prompt-sources.js';
import { loraConfigSchema } from './lora.js';
import { divergenceConfigSchema } from './divergence.js';
import { ALGORITHMS, ALGORITHM_NAMES, type AlgorithmName } from './registry.js';

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/** `<name>: {...}` for every registered algorithm, each defaulting to its schema's defaults. */
type SectionShape = { [K in AlgorithmName]: z.ZodPrefault<(typeof ALGORITHMS)[K]['schema']> };
export const sectionShape = Object.fromEntries(
  ALGORITHM_NAMES.map((name) => [name, (ALGORITHMS[name].schema as z.ZodType).prefault({})]),
) as unknown as SectionShape;

export const sharedRunShape = {
  seed: nonNegInt.default(0),
  /** The base model folder: the policy's start and the frozen reference. */
  base: z.string().min(1).default('assets/base/shapes'),
  /**
   * Train low-rank adapters on the base's U-Net instead of all its weights (src/train/lora.ts); the reference is then
   * the base itself (adapters off), not a second copy. Absent: full fine-tuning.
   */
  lora: loraConfigSchema.optional(),
  /** Iterations to run (an upper bound when `maxSamples` is set). */
  iterations: posInt.default(200),
  /** Stop once this many images were generated in all (the common budget of `refract compare`). */
  maxSamples: posInt.optional(),
  /**
   * Stop once the iterations and evaluations took this many wall seconds in all (resumes keep counting; the
   * iteration and evaluation under way finish first). The common wall-time cap of `refract compare` and the headline.
   */
  maxSeconds: posInt.optional(),
  threads: posInt.optional(),
  /**
   * Where the run computes (absent: cpu). 'cuda' is accepted by the schema and refused by checkDevice
   * (./device.ts) until the tensor layer places tensors on a device; a data-parallel run on cuda uses NCCL.
   */
  device: z.enum(['cpu', 'cuda']).optional(),
  /** Mixed precision (absent: fp32). 'bf16' is refused by checkDevice for the same reason (./device.ts). */
  precision: z.enum(['fp32', 'bf16']).optional(),
  /** Run folder: runs.sqlite (+ sample PNGs beside it), checkpoints/, report. */
  out: z.string().min(1).default('runs/train'),
  prompts: promptSourceSchema.prefault({ source: 'shapes' }),
  /** The proxy reward the algorithm optimises (src/rewards/config.ts specs). */
  rewards: rewardsConfigSchema.default([{ kind: 'shapes_gold', weight: 1 }]),
  eval: z
    .object({
      /** Evaluate every this many iterations (and at iteration 0 and at the end); 0 turns evaluation off. */
      every: nonNegInt.default(25),
      /** ShapesEval prompts per category (Shapes source). */
      perCategory: z.number().int().min(1).max(120).default(10),
      /** Only these ShapesEval categories (Shapes source; default all six): a demo aimed at the weakest ones. */
      categories: z.array(z.enum(CATEGORIES)).min(1).optional(),
      /** Prompts of a fixed evaluation set drawn from the source (sources without ShapesEval). */
      prompts: posInt.default(32),
      /** Sampler steps of evaluation images (deterministic ODE sampler). */
      samplingSteps: posInt.default(20),
      /** Images of each evaluation stored as PNG samples beside the database. */
      storeSamples: nonNegInt.default(8),
      /**
       * For each stored sample, its x̂₀ at this many denoising steps (evenly spaced, first to last) as a strip PNG
       * beside it — the Studio's trajectory view; 0 stores none. Watching the sampler does not change the images.
       */
      trajectorySteps: nonNegInt.default(6),
    })
    .strict()
    .prefault({}),
  checkpoint: z
    .object({
      /** Save a resumable checkpoint every this many iterations (and at the end). */
      every: posInt.default(25),
      /** Older checkpoints kept besides the latest. */
      keep: nonNegInt.default(1),
    })
    .strict()
    .prefault({}),
  stopOnNonFinite: z
    .object({
      /** This many consecutive iterations with a skipped (non-finite) update stop the run as failed. */
      maxConsecutive: posInt.default(3),
    })
    .strict()
    .prefault({}),
  /** When the run counts as diverged and is stopped (src/train/divergence.ts, docs/reliability.md). */
  divergence: divergenceConfigSchema.prefault({}),
  /** The reward-hacking monitor's rules (src/reliability/monitor/config.ts); absent: no monitor. */
  monitor: monitorConfigSchema.optional(),
  /** Audit gate: the reward card (from `refract audit`) that must pass before training starts; absent: no gate. */
  audit: auditGateConfigSchema.optional(),
  /** Rewards never optimised, scored by the monitor on evaluation images (its `heldOut` signal). */
  heldOutRewards: rewardsConfigSchema.optional(),
  /**
   * Data-parallel runs (`refract train --nproc N`, or torchrun's RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set by
   * hand, docs/scaling.md). Absent: the defaults.
   */
  distributed: z
    .object({
      /**
       * How long a rank waits for the others — a collective, or rank 0's next message while it evaluates and
       * checkpoints — before it stops with a message naming the rank that did not answer.
       */
      timeoutMs: posInt.default(300_000),
    })
    .strict()
    .optional(),
};

export const runConfigSchema = z
  .object({
    algorithm: z.enum(ALGORITHM_NAMES).default('grpo'),
    ...sharedRunShape,
    ...sectionShape,
  })
  .strict()
  .superRefine((c, ctx) => {
    const relabels = c.rewards.some(specRelabels);
    if (c.algorithm === 'nft' && c.nft.hindsight !== undefined && !relabels) {
      ctx.addIssue({ code: 'custom', path: ['nft', 'hindsight'], message: 'needs a reward that relabels — add options: { hindsight: true } to the shapes_gold reward, or remove nft.hindsight' });
    }
    if (c.algorithm === 'nft' && c.nft.encoder !== undefined && c.lora !== undefined) {
      // with LoRA the reference is the policy with its adapters off: a trained encoder would move the anchor too
      ctx.addIssue({ code: 'custom', path: ['nft', 'encoder'], message: 'must train a fully fine-tuned policy (LoRA\'s reference shares the encoder) — remove nft.encoder or lora' });
    }
  });

export type RunConfig = z.infer<typeof runConfigSchema>;

export const DEFAULT_RUN_CONFIG: Readonly<RunConfig> = deepFreeze(runConfigSchema.parse({}));

export function parseRunConfig(raw: unknown, where = 'refract train'): Readonly<RunConfig> {
  return parseConfig(runConfigSchema, raw, where);
}

export function loadRunConfig(file: string, where = 'refract train'): Readonly<RunConfig> {
  return loadConfigFile(runConfigSchema, file, where);
}
