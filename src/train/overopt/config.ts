/**
 * The overoptimisation experiment's config (Gao et al., arXiv 2210.10760; DESIGN §3): a run config
 * (src/train/config.ts, whose `monitor:` section is the hacking monitor's, ./../config.ts) plus two sections:
 *
 *   proxy:    the reward the policy optimises: a learned Bradley–Terry model (members: 1) or bootstrap ensemble,
 *             trained on a limited number of noisy synthetic shapes preferences (src/rewards/preference/),
 *             optionally plus the gold partial credit (a misspecified proxy: a correct part and a learned part);
 *   heldOut:  reward models trained the same way on other pairs (other seed), never optimised: the monitor's
 *             stand-in for gold.
 */
import { z } from 'zod';
import { parseConfig, loadConfigFile, deepFreeze } from '../../config/load.js';
import { PAIR_KINDS } from '../../rewards/preference/index.js';

export const preferenceRewardSpecSchema = z
  .object({
    /** Synthetic preference pairs the model is trained on. */
    pairs: z.number().int().positive().default(128),
    /** Probability of flipping each label (annotator noise). */
    labelNoise: z.number().min(0).max(1).default(0.2),
    /** Seed of the pairs and of the model's initialisation and minibatches. */
    seed: z.number().int().nonnegative().default(1),
    /** 1: one Bradley–Terry model; more: a bootstrap ensemble (mean reward, std = disagreement). */
    members: z.number().int().positive().default(1),
    /** Training steps of each model. */
    steps: z.number().int().positive().default(300),
    kinds: z.array(z.enum(PAIR_KINDS)).min(1).default([...PAIR_KINDS]),
  })
  .strict();

/**
 * The optimised reward: w·(learned model) + goldPartialWeight·(gold partial credit, src/rewards/shapes-gold.ts).
 * goldPartialWeight > 0 models a misspecified proxy — a correct component plus an exploitable learned one whose
 * unbounded scores take over as the policy finds what the learned model over-rates; 0 is the learned model alone.
 */
export const proxyRewardSpecSchema = preferenceRewardSpecSchema
  .extend({
    weight: z.number().positive().default(1),
    goldPartialWeight: z.number().nonnegative().default(0),
  })
  .strict();

export type ProxyRewardSpec = z.infer<typeof proxyRewardSpecSchema>;

export type PreferenceRewardSpec = z.infer<typeof preferenceRewardSpecSchema>;

export const overoptSectionsSchema = z
  .object({
    proxy: proxyRewardSpecSchema.prefault({}),
    heldOut: z.array(preferenceRewardSpecSchema).default([]),
  })
  .strict();

export type OveroptSections = z.infer<typeof overoptSectionsSchema>;

export const DEFAULT_OVEROPT_SECTIONS: Readonly<OveroptSections> = deepFreeze(overoptSectionsSchema.parse({}));

/** Splits an experiment file's object into its own sections (validated) and the rest (the run config, raw). */
export function splitOveroptConfig(raw: unknown, where: string): { sections: Readonly<OveroptSections>; run: Record<string, unknown> } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${where}: config must be a mapping with proxy, heldOut and run fields, got ${JSON.stringify(raw)}`);
  }
  const { proxy, heldOut, ...run } = raw as Record<string, unknown>;
  if ('rewards' in run) {
    throw new Error(`${where}: rewards must be absent, got ${JSON.stringify(run['rewards'])} — the proxy section defines the optimised reward`);
  }
  const sections = parseConfig(overoptSectionsSchema, { proxy, heldOut }, where);
  return { sections, run };
}

/** Reads the YAML file raw (the run part is validated by the run config's schema, the rest here). */
export function loadOveroptFile(file: string, where = 'refract overopt'): { sections: Readonly<OveroptSections>; run: Record<string, unknown> } {
  const raw = loadConfigFile(z.record(z.string(), z.unknown()), file, where);
  return splitOveroptConfig(structuredClone(raw), `${where} (${file})`);
}
