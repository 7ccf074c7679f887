// Rollout of a flow-matching policy: σ from 1 to 0 with SDE / CPS / ODE steps, recorded as a Trajectory.
import * as torch from '../torch/index.js';
import type { PredictionObserver, VelocityModel } from './types.js';
import { flowPredictedX0 } from './predicted-x0.js';
import type { ConditioningOps } from './conditioning.js';
import { guidedModel } from './guidance.js';
import { flowSigmas, sigmaMaxOf } from './flow-schedule.js';
import { flowTransition, isFlowStepStochastic } from './flow-transition.js';
import { runRolloutLoop } from './rollout-record.js';
import type { FlowSamplerConfig, FlowSdeKind, Trajectory } from './trajectory.js';

export interface SampleFlowOptions<C> {
  model: VelocityModel<C>;
  cond: C;
  /** Unconditional conditioning for classifier-free guidance (required when guidance ≠ 1). */
  uncond?: C;
  /** CFG scale w; default 1 (no guidance, one forward per step). */
  guidance?: number;
  steps: number;
  /** SD3 time shift of the sigmas; default 1. */
  shift?: number;
  /** a: Flow-GRPO's noise level (default 0.7), or CPS's angle fraction. */
  noiseLevel?: number;
  /** Default 'flow_sde'. */
  sde?: FlowSdeKind;
  /** Stochastic steps [start, end); steps outside are ODE steps. Default: all steps. */
  sdeWindow?: readonly [number, number];
  /** One seed per sample; B = seeds.length. */
  seeds: readonly number[];
  /** One sample's latent shape, e.g. [C, H, W]. */
  shape: readonly number[];
  /** Keep x_T..x_0 (needed by replay). Default true. */
  recordLatents?: boolean;
  /** Keep each step's mean (needed for the KL to a reference at rollout time). Default true. */
  recordMeans?: boolean;
  /** Default 'float32'. */
  dtype?: 'float32' | 'float64';
  /** CPS log-density: exact Gaussian (default) or flow_grpo's unnormalised −(x'−μ)². */
  cpsLogProbForm?: 'gaussian' | 'unnormalized';
  /** How to batch `cond` with `uncond`; default: Tensor leaves along dim 0. */
  conditioningOps?: ConditioningOps<C>;
  /** Sees each step's x̂₀ = x − σ·v̂ (a trajectory view); does not change the rollout. */
  onPrediction?: PredictionObserver;
}

/** The frozen sampler config of a flow rollout, validated (errors name the field). */
export function flowSamplerConfig<C>(o: SampleFlowOptions<C>): FlowSamplerConfig {
  const fail = (what: string): never => {
    throw new Error(`refract sampleFlow: ${what}`);
  };
  if (!Number.isInteger(o.steps) || o.steps < 1)
    fail(`steps must be a positive integer, got ${o.steps} — pass e.g. 10`);
  const window = o.sdeWindow ?? [0, o.steps];
  const [start, end] = window;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= o.steps)) {
    fail(`sdeWindow must be [start, end) with 0 ≤ start ≤ end ≤ steps=${o.steps}, got [${start}, ${end})`);
  }
  const noiseLevel = o.noiseLevel ?? 0.7;
  if (!(noiseLevel >= 0)) fail(`noiseLevel must be ≥ 0, got ${noiseLevel} — Flow-GRPO uses 0.7`);
  const guidance = o.guidance ?? 1;
  if (guidance !== 1 && o.uncond === undefined)
    fail(`uncond must be given when guidance ≠ 1 (got guidance ${guidance})`);
  if (o.seeds.length === 0) fail('seeds must hold one seed per sample, got none');
  return Object.freeze({
    kind: 'flow',
    sde: o.sde ?? 'flow_sde',
    steps: o.steps,
    shift: o.shift ?? 1,
    noiseLevel,
    guidance,
    sdeWindow: Object.freeze([start, end] as const),
    cpsLogProbForm: o.cpsLogProbForm ?? 'gaussian',
  });
}

/**
 * Samples B = seeds.length latents from a flow-matching model, under noGrad, and records the trajectory.
 * Sample i's noise — x_T and every step's z — comes from its own Generator(seeds[i]), so it is the same whether
 * the sample is drawn alone or in any batch. Rollout loop as flow_grpo's pipeline_with_logprob
 * (flow_grpo/diffusers_patch/sd3_pipeline_with_logprob.py), with the SDE window of Flow-GRPO-Fast / MixGRPO.
 */
export function sampleFlow<C>(opts: SampleFlowOptions<C>): Trajectory<C> {
  const config = flowSamplerConfig(opts);
  const sigmas = flowSigmas(config.steps, { shift: config.shift });
  const sigmaMax = sigmaMaxOf(sigmas);
  const model =
    opts.uncond === undefined
      ? opts.model
      : guidedModel(opts.model, { uncond: opts.uncond, scale: config.guidance, ops: opts.conditioningOps });
  const B = opts.seeds.length;
  const dtype = opts.dtype ?? 'float32';
  const stochastic = sigmas.slice(0, -1).map((_, i) => isFlowStepStochastic(config, i, sigmas[i + 1]!));
  const recorded = runRolloutLoop({
    seeds: opts.seeds,
    shape: opts.shape,
    dtype,
    steps: config.steps,
    record: { recordLatents: opts.recordLatents ?? true, recordMeans: opts.recordMeans ?? true },
    fn: 'sampleFlow',
    step: (i, x, gens) => {
      const velocity = model(x, torch.full([B], sigmas[i]!, { dtype }), opts.cond); // v̂(x_σ, σ)
      const observe = opts.onPrediction;
      if (observe) torch.scope(() => observe(i, flowPredictedX0(x, velocity, sigmas[i]!)));
      const args = { config, stochastic: stochastic[i]!, velocity, sample: x, sigmaMax, generator: gens };
      return flowTransition({ ...args, sigma: sigmas[i]!, sigmaNext: sigmas[i + 1]! });
    },
  });
  return {
    sampler: config,
    schedule: { kind: 'flow', sigmas, sigmaMax },
    seeds: [...opts.seeds],
    cond: opts.cond,
    uncond: opts.uncond,
    stochastic,
    ...recorded,
  };
}
