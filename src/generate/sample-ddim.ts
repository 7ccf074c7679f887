// Rollout of a diffusion policy with DDIM(η) steps, recorded as a Trajectory (DDPO's sampler).
import * as torch from '../torch/index.js';
import type { EpsilonModel, PredictionObserver, PredictionType } from './types.js';
import { ddimPredictedX0 } from './predicted-x0.js';
import type { ConditioningOps } from './conditioning.js';
import { guidedModel } from './guidance.js';
import { ddimSchedule, type DdimScheduleOptions } from './ddpm-schedule.js';
import { ddimTransition, isDdimStepStochastic } from './ddim-transition.js';
import { runRolloutLoop } from './rollout-record.js';
import type { DdimSamplerConfig, Trajectory } from './trajectory.js';

export interface SampleDdimOptions<C> extends DdimScheduleOptions {
  model: EpsilonModel<C>;
  cond: C;
  uncond?: C;
  /** CFG scale w; default 1. */
  guidance?: number;
  /** ᾱ_t of the model's training schedule (length T), e.g. alphasCumprod(ddpmBetas(1000)). */
  alphasCumprod: readonly number[];
  steps: number;
  /** η; DDPO uses 1.0. Default 1. */
  eta?: number;
  /** Default 'epsilon'. */
  prediction?: PredictionType;
  /** Clamp x̂₀ to ±clipSample; default off. */
  clipSample?: number;
  seeds: readonly number[];
  shape: readonly number[];
  recordLatents?: boolean;
  recordMeans?: boolean;
  dtype?: 'float32' | 'float64';
  conditioningOps?: ConditioningOps<C>;
  /** Sees each step's x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t (a trajectory view); does not change the rollout. */
  onPrediction?: PredictionObserver;
}

export function ddimSamplerConfig<C>(o: SampleDdimOptions<C>): DdimSamplerConfig {
  const fail = (what: string): never => {
    throw new Error(`refract sampleDdim: ${what}`);
  };
  const eta = o.eta ?? 1;
  if (!(eta >= 0)) fail(`eta must be ≥ 0, got ${eta} — DDPO uses 1.0`);
  const guidance = o.guidance ?? 1;
  if (guidance !== 1 && o.uncond === undefined)
    fail(`uncond must be given when guidance ≠ 1 (got guidance ${guidance})`);
  if (o.seeds.length === 0) fail('seeds must hold one seed per sample, got none');
  const prediction = o.prediction ?? 'epsilon';
  return Object.freeze({ kind: 'ddim', steps: o.steps, eta, guidance, prediction, clipSample: o.clipSample ?? null });
}

/**
 * Samples B = seeds.length latents with DDIM(η) under noGrad and records the trajectory; sample i's noise comes
 * from Generator(seeds[i]) alone. Loop as ddpo-pytorch's pipeline_with_logprob
 * (ddpo_pytorch/diffusers_patch/pipeline_with_logprob.py); the model sees the integer timestep t as a float [B].
 */
export function sampleDdim<C>(opts: SampleDdimOptions<C>): Trajectory<C> {
  const config = ddimSamplerConfig(opts);
  const schedule = ddimSchedule(opts.alphasCumprod, config.steps, opts);
  const model =
    opts.uncond === undefined
      ? opts.model
      : guidedModel(opts.model, { uncond: opts.uncond, scale: config.guidance, ops: opts.conditioningOps });
  const B = opts.seeds.length;
  const dtype = opts.dtype ?? 'float32';
  const stochastic = schedule.alphaProdTPrev.map((a, i) => isDdimStepStochastic(config, schedule.alphaProdT[i]!, a));
  const recorded = runRolloutLoop({
    seeds: opts.seeds,
    shape: opts.shape,
    dtype,
    steps: config.steps,
    record: { recordLatents: opts.recordLatents ?? true, recordMeans: opts.recordMeans ?? true },
    fn: 'sampleDdim',
    step: (i, x, gens) => {
      const modelOutput = model(x, torch.full([B], schedule.timesteps[i]!, { dtype }), opts.cond); // ε̂ or v̂
      const alphas = { alphaProdT: schedule.alphaProdT[i]!, alphaProdTPrev: schedule.alphaProdTPrev[i]! };
      const observe = opts.onPrediction;
      if (observe) {
        torch.scope(() => observe(i, ddimPredictedX0(x, modelOutput, alphas.alphaProdT, config.prediction, config.clipSample)));
      }
      return ddimTransition({ config, stochastic: stochastic[i]!, modelOutput, sample: x, ...alphas, generator: gens });
    },
  });
  return {
    sampler: config,
    schedule: { kind: 'ddim', ...schedule },
    seeds: [...opts.seeds],
    cond: opts.cond,
    uncond: opts.uncond,
    stochastic,
    ...recorded,
  };
}
