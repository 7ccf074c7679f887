// Pieces the on-policy algorithms share beyond the iteration skeleton (online-algorithm.ts): the current policy's
// own-sample rollout of RWR and AWM, and the monitor's "raise KL" on a frozen settings object (GRPO, NFT, AWM).
import { rolloutPrompts } from '../pipeline/text-to-image.js';
import type { Trajectory } from '../generate/trajectory.js';
import type { PolicyCondition } from '../models/index.js';
import type { AlgorithmContext } from './algorithm.js';
import type { PromptGroups } from './prompt-groups.js';

/** An own-sample sampler section: deterministic Euler ('ode') or a stochastic one over every step. */
export interface OwnSampler {
  readonly kind: 'ode' | 'flow_sde' | 'cps';
  readonly steps: number;
  readonly guidance: number;
  readonly noiseLevel: number;
}

/** The groups' prompts sampled by the current policy (stochastic samplers are stochastic at every step). */
export function ownRollout(ctx: AlgorithmContext, groups: PromptGroups, sm: Readonly<OwnSampler>): Trajectory<PolicyCondition> {
  const vocabulary = ctx.vocabulary;
  return rolloutPrompts(ctx.policy, groups.prompts.map((p) => p.text), groups.seeds, {
    steps: sm.steps,
    guidance: sm.guidance,
    sde: sm.kind,
    noiseLevel: sm.noiseLevel,
    ...(sm.kind === 'ode' ? {} : { sdeWindow: [0, sm.steps - 1] as const }),
    ...(vocabulary ? { vocabulary } : {}),
  });
}

/** The monitor's "raise KL": a new frozen settings object with klCoefficient × factor (the config stays frozen). */
export function withScaledKl<S extends { readonly klCoefficient: number }>(settings: Readonly<S>, factor: number, algorithm: string): Readonly<S> {
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new Error(`refract train: ${algorithm} KL scale factor must be a finite number > 0, got ${factor} — the monitor's raise_kl factor must be positive`);
  }
  return Object.freeze({ ...settings, klCoefficient: settings.klCoefficient * factor });
}
