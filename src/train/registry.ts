// The algorithm registry (STYLE §5: a typed map, not a string lookup): algorithm name → its config section schema
// and its class. The run config (./config.ts) takes its `algorithm` values and one `<name>:` section per entry
// from here, so registering an algorithm is one line.
import type { z } from 'zod';
import type { Algorithm, AlgorithmContext } from '../algorithms/algorithm.js';
import { GrpoAlgorithm, grpoSectionSchema } from '../algorithms/grpo/index.js';
import { DdpoAlgorithm, ddpoSectionSchema } from '../algorithms/ddpo/index.js';
import { RwrAlgorithm, rwrSectionSchema } from '../algorithms/rwr/index.js';
import { DiffusionDpoAlgorithm, dpoSectionSchema } from '../algorithms/dpo/index.js';
import { RewardBackpropAlgorithm, rewardBackpropSectionSchema } from '../algorithms/reward-backprop/index.js';
import { NftAlgorithm, nftSectionSchema } from '../algorithms/nft/index.js';
import { AwmAlgorithm, awmSectionSchema } from '../algorithms/awm/index.js';
import { loadPreferencePairs } from '../store/preference-pairs.js';

export interface AlgorithmEntry<S extends z.ZodType = z.ZodType> {
  /** What the algorithm is, for `--help` and reports. */
  readonly description: string;
  /** Validates the algorithm's `<name>:` section (defaults filled in). */
  readonly schema: S;
  create(ctx: AlgorithmContext, section: Readonly<z.infer<S>>): Algorithm;
}

function entry<S extends z.ZodType>(e: AlgorithmEntry<S>): AlgorithmEntry<S> {
  return Object.freeze(e);
}

export const ALGORITHMS = Object.freeze({
  grpo: entry({
    description: 'Flow-GRPO: group-relative advantages, clipped surrogate, KL to the reference (arXiv 2505.05470)',
    schema: grpoSectionSchema,
    create: (ctx, section) => new GrpoAlgorithm(ctx, section),
  }),
  ddpo: entry({
    description: 'DDPO: DDIM(η) rollouts, per-prompt stat tracking, PPO clip over denoising steps (arXiv 2305.13301)',
    schema: ddpoSectionSchema,
    create: (ctx, section) => new DdpoAlgorithm(ctx, section),
  }),
  rwr: entry({
    description: 'Reward-weighted regression: flow-matching loss on own samples weighted by exp(A/τ) (arXiv 1910.00177)',
    schema: rwrSectionSchema,
    create: (ctx, section) => new RwrAlgorithm(ctx, section),
  }),
  dpo: entry({
    description: 'Diffusion-DPO: online (own samples, best vs worst) or offline preference pairs, frozen reference (arXiv 2311.12908)',
    schema: dpoSectionSchema,
    create: (ctx, section) => new DiffusionDpoAlgorithm(ctx, section, { loadPreferenceFile: loadPreferencePairs }),
  }),
  reward_backprop: entry({
    description: 'Reward back-propagation through the sampler for differentiable rewards: DRaFT-K / DRaFT-LV or ReFL (arXiv 2309.17400, 2304.05977)',
    schema: rewardBackpropSectionSchema,
    create: (ctx, section) => new RewardBackpropAlgorithm(ctx, section),
  }),
  nft: entry({
    description: 'DiffusionNFT: negative-aware flow matching on the old (EMA) policy\'s clean samples, CFG-free (arXiv 2509.16117)',
    schema: nftSectionSchema,
    create: (ctx, section) => new NftAlgorithm(ctx, section),
  }),
  awm: entry({
    description: 'Advantage Weighted Matching: the flow-matching loss on own samples weighted by the advantage, KL to reference and EMA (arXiv 2509.25050)',
    schema: awmSectionSchema,
    create: (ctx, section) => new AwmAlgorithm(ctx, section),
  }),
});

export type AlgorithmName = keyof typeof ALGORITHMS;
export const ALGORITHM_NAMES = Object.keys(ALGORITHMS) as [AlgorithmName, ...AlgorithmName[]];

/** The parsed section of each registered algorithm. */
export type AlgorithmSections = { [K in AlgorithmName]: z.infer<(typeof ALGORITHMS)[K]['schema']> };

/** Builds algorithm `name` with its section (the registry keeps each section's type with its factory). */
export function createAlgorithm<K extends AlgorithmName>(name: K, ctx: AlgorithmContext, section: Readonly<AlgorithmSections[K]>): Algorithm {
  const e = ALGORITHMS[name] as AlgorithmEntry<(typeof ALGORITHMS)[K]['schema']>;
  return e.create(ctx, section);
}
