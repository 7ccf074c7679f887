// The record of one batched rollout: everything replay, credit and the KL need (DESIGN.md §2).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { PredictionType } from './types.js';
import { defaultConditioningOps, type ConditioningOps } from './conditioning.js';

/** 'flow_sde': Flow-GRPO's SDE; 'cps': Coefficients-Preserving Sampling; 'ode': deterministic Euler. */
export type FlowSdeKind = 'flow_sde' | 'cps' | 'ode';

export interface FlowSamplerConfig {
  readonly kind: 'flow';
  readonly sde: FlowSdeKind;
  readonly steps: number;
  readonly shift: number;
  readonly noiseLevel: number;
  readonly guidance: number;
  /** Steps in [start, end) are stochastic; the rest are ODE steps (MixGRPO / Flow-GRPO-Fast). */
  readonly sdeWindow: readonly [number, number];
  readonly cpsLogProbForm: 'gaussian' | 'unnormalized';
}

export interface DdimSamplerConfig {
  readonly kind: 'ddim';
  readonly steps: number;
  readonly eta: number;
  readonly guidance: number;
  readonly prediction: PredictionType;
  /** Clamp x̂₀ to ±clipSample; null: off. */
  readonly clipSample: number | null;
}

export type SamplerConfig = FlowSamplerConfig | DdimSamplerConfig;

/** Step i of a flow run goes from sigmas[i] to sigmas[i+1]; the model sees σ as its time input. */
export interface FlowStepSchedule {
  readonly kind: 'flow';
  readonly sigmas: readonly number[];
  readonly sigmaMax: number;
}

/** Step i of a DDIM run goes from ᾱ = alphaProdT[i] to alphaProdTPrev[i]; the model sees timesteps[i]. */
export interface DdimStepSchedule {
  readonly kind: 'ddim';
  readonly timesteps: readonly number[];
  readonly alphaProdT: readonly number[];
  readonly alphaProdTPrev: readonly number[];
}

export type StepSchedule = FlowStepSchedule | DdimStepSchedule;

/**
 * A batched rollout of B samples over T steps. Tensors have the batch first so a trajectory can be cut into
 * per-sample ones (`sliceTrajectory`). At deterministic steps (`stochastic[i] === false`) logProbs, stdDevs
 * and transitionStds are 0 and means hold the deterministic next latent.
 */
export interface Trajectory<C> {
  readonly sampler: SamplerConfig;
  readonly schedule: StepSchedule;
  /** One seed per sample: sample i's initial noise and step noise come from Generator(seeds[i]) alone. */
  readonly seeds: readonly number[];
  readonly cond: C;
  /** Unconditional conditioning when guidance ≠ 1. */
  readonly uncond: C | undefined;
  /** x_T, [B, ...]. */
  readonly initialNoise: Tensor;
  /** x_T..x_0, [B, T+1, ...]; null when the rollout did not record them (then it cannot be replayed). */
  readonly latents: Tensor | null;
  /** log p(x_{i+1} | x_i), per-element mean over non-batch dims, [B, T]. */
  readonly logProbs: Tensor;
  /** μ of each step, [B, T, ...]; null when not recorded. */
  readonly means: Tensor | null;
  /** The reference's std_dev_t per step (what stepKl divides by), [B, T]. */
  readonly stdDevs: Tensor;
  /** The std of x_{i+1} | x_i per step, [B, T]. */
  readonly transitionStds: Tensor;
  /** Which steps drew noise (and so have a log-prob), length T. */
  readonly stochastic: readonly boolean[];
  /** x_0, [B, ...]. */
  readonly finalSample: Tensor;
}

export function batchSize<C>(t: Trajectory<C>): number {
  return t.seeds.length;
}

/** Samples [start, end) of a trajectory (tensors are views; the conditioning is cut with `ops`). */
export function sliceTrajectory<C>(
  t: Trajectory<C>,
  start: number,
  end: number,
  ops?: ConditioningOps<C>,
): Trajectory<C> {
  const B = batchSize(t);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= B)) {
    throw new Error(`refract sliceTrajectory: range must satisfy 0 ≤ start < end ≤ ${B}, got [${start}, ${end})`);
  }
  const o = ops ?? defaultConditioningOps<C>();
  const cut = (x: Tensor): Tensor => x.narrow(0, start, end - start);
  return {
    ...t,
    seeds: t.seeds.slice(start, end),
    cond: o.slice(t.cond, start, end),
    uncond: t.uncond === undefined ? undefined : o.slice(t.uncond, start, end),
    initialNoise: cut(t.initialNoise),
    latents: t.latents && cut(t.latents),
    logProbs: cut(t.logProbs),
    means: t.means && cut(t.means),
    stdDevs: cut(t.stdDevs),
    transitionStds: cut(t.transitionStds),
    finalSample: cut(t.finalSample),
  };
}

/** Joins trajectories of the same sampler and schedule along the batch. */
export function catTrajectories<C>(parts: readonly Trajectory<C>[], ops?: ConditioningOps<C>): Trajectory<C> {
  const first = parts[0];
  if (first === undefined) throw new Error('refract catTrajectories: parts must be non-empty');
  const key = (t: Trajectory<C>): string => JSON.stringify([t.sampler, t.schedule, t.stochastic]);
  if (parts.some((p) => key(p) !== key(first))) {
    throw new Error(
      'refract catTrajectories: all parts must share sampler, schedule and stochastic steps — join rollouts of one config',
    );
  }
  const o = ops ?? defaultConditioningOps<C>();
  const join = (get: (t: Trajectory<C>) => Tensor | null): Tensor | null =>
    parts.every((p) => get(p) !== null)
      ? torch.cat(
          parts.map((p) => get(p)!),
          0,
        )
      : null;
  return {
    ...first,
    seeds: parts.flatMap((p) => p.seeds),
    cond: o.cat(parts.map((p) => p.cond)),
    uncond: first.uncond === undefined ? undefined : o.cat(parts.map((p) => p.uncond as C)),
    initialNoise: join((p) => p.initialNoise)!,
    latents: join((p) => p.latents),
    logProbs: join((p) => p.logProbs)!,
    means: join((p) => p.means),
    stdDevs: join((p) => p.stdDevs)!,
    transitionStds: join((p) => p.transitionStds)!,
    finalSample: join((p) => p.finalSample)!,
  };
}

/** Frees the trajectory's own tensors (not the conditioning, which the caller owns). */
export function disposeTrajectory<C>(t: Trajectory<C>): void {
  for (const x of [t.initialNoise, t.latents, t.logProbs, t.means, t.stdDevs, t.transitionStds, t.finalSample])
    x?.dispose();
}
