// The forward-noised points at which DiffusionNFT and AWM regress on the policy's own clean samples x₀: K points
// per sample, each a time t and a noise ε,
//   x_t = (1 − t)·x₀ + t·ε                                          (the rectified-flow forward process)
// Point p = k·B + i is sample i's k-th point, so a batch of points is K copies of the sample batch (the layout of
// AWM's torch.cat([x]·T), scripts/train_sd3_awm.py). t is drawn from the rollout sampler's σ grid (K distinct
// levels per sample, as DiffusionNFT trains at its sampler's timesteps, scripts/train_nft_sd3.py), from U(0, 1), or
// from SD3's logit-normal sigmoid(N(0, 1)) (Esser et al., arXiv 2403.03206, §3.1). Every draw is a function of
// (seed, iteration, sample): a resumed run noises exactly what the original did, whatever the minibatch split.
import { z } from 'zod';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Rng, deriveSeed } from '../data/rng.js';
import { defaultConditioningOps } from '../generate/conditioning.js';
import { drawPerSample, perSample, standardNormalLike } from '../generate/per-sample.js';
import type { VelocityModel } from '../generate/types.js';

/** The `timesteps:` block of a section, with the algorithm's own defaults. */
export function trainingTimesSchema(defaults: { perSample: number; gridStart: number }) {
  return z
    .object({
      /** 'grid': distinct levels of the rollout sampler's σ grid; 'uniform': U(0, 1); 'logit_normal': SD3's. */
      distribution: z.enum(['grid', 'uniform', 'logit_normal']).default('grid'),
      /** K: noised points per sample per iteration. */
      perSample: z.number().int().positive().default(defaults.perSample),
      /** 'grid' only: draw from grid levels gridStart..gridEnd−1 (level 0 is σ = 1, where x_t is pure noise). */
      gridStart: z.number().int().nonnegative().default(defaults.gridStart),
      /**
       * 'grid' only: the first level not drawn (absent: sampler.steps, the whole grid). A small gridEnd trains only
       * the high-noise points, where the chain fixes the layout (Flow-GRPO-Fast and MixGRPO train only the first
       * sampler steps for the same reason); the low-noise velocities then change only through shared weights.
       */
      gridEnd: z.number().int().positive().optional(),
    })
    .strict()
    .prefault({});
}

export type TrainingTimes = z.infer<ReturnType<typeof trainingTimesSchema>>;

/** The optimisation fields every point-trained section (NFT, AWM) has, after its own KL weight. */
export const pointTrainingFields = {
  /** Optimizer steps per iteration, each over every point (gradients accumulated over minibatches). */
  innerEpochs: z.number().int().positive().default(1),
  /** Points per forward/backward (memory only). */
  minibatchSize: z.number().int().positive().default(16),
  /** Compute ½·mean‖v_θ − v_ref‖² as klToReference (the monitor's d) even when the KL weight is 0. */
  monitorKl: z.boolean().default(true),
  lr: z.number().positive().default(3e-4),
  gradClip: z.number().positive().default(1),
};

/** The section's training times must fit its sampler's grid (issue on `timesteps.perSample`). */
export function checkTrainingTimes(c: { timesteps: TrainingTimes; sampler: { steps: number } }, ctx: z.RefinementCtx): void {
  const issue = trainingTimesIssue(c.timesteps, c.sampler.steps);
  if (issue !== null) ctx.addIssue({ code: 'custom', path: ['timesteps', issue.field], message: issue.message });
}

export interface TrainingPoints<C> {
  /** K·B. */
  readonly count: number;
  /** B: the samples the points were drawn for (point p belongs to sample p mod B). */
  readonly samples: number;
  /** x₀ of each point's sample, [K·B, …]. */
  readonly x0: Tensor;
  /** ε, [K·B, …]. */
  readonly noise: Tensor;
  /** t = σ, [K·B]. */
  readonly t: Tensor;
  /** x_t = (1 − t)·x₀ + t·ε, [K·B, …]. */
  readonly xt: Tensor;
  /** The samples' conditioning, K times. */
  readonly cond: C;
}

/** Why K grid levels do not exist for `samplerSteps` (the field and message for the section's superRefine), or null. */
export function trainingTimesIssue(t: Readonly<TrainingTimes>, samplerSteps: number): { field: 'perSample' | 'gridEnd'; message: string } | null {
  if (t.distribution !== 'grid') return null;
  if (t.gridEnd !== undefined && (t.gridEnd > samplerSteps || t.gridEnd <= t.gridStart)) {
    return { field: 'gridEnd', message: `must be in (gridStart, sampler.steps] = (${t.gridStart}, ${samplerSteps}] — lower it or raise sampler.steps` };
  }
  if (t.perSample <= (t.gridEnd ?? samplerSteps) - t.gridStart) return null;
  const [upper, raise] = t.gridEnd === undefined ? ['sampler.steps', 'sampler.steps'] : ['gridEnd', 'timesteps.gridEnd'];
  return {
    field: 'perSample',
    message: `must not exceed the ${(t.gridEnd ?? samplerSteps) - t.gridStart} grid levels gridStart..${upper}−1 with distribution 'grid' — lower it or timesteps.gridStart, or raise ${raise}`,
  };
}

/**
 * K points per sample of x₀ [B, …]: ε and (off the grid) t from Generator(deriveSeed(seed, iteration, 4, i)),
 * grid levels from Rng(deriveSeed(seed, iteration, 5, i)). `sigmas` is the sampler's grid σ_0 = 1 > … > σ_N = 0.
 */
export function drawTrainingPoints<C>(
  x0: Tensor,
  cond: C,
  times: Readonly<TrainingTimes>,
  sigmas: readonly number[],
  seed: number,
  iteration: number,
  firstSample = 0,
): TrainingPoints<C> {
  const B = x0.shape[0]!;
  const K = times.perSample;
  // keyed by the sample's index in the iteration's full draw (firstSample > 0 on a data-parallel rank)
  const gens = Array.from({ length: B }, (_, i) => new torch.Generator(deriveSeed(seed, iteration, 4, firstSample + i)));
  const levels = times.distribution === 'grid' ? gridLevels(B, K, times.gridStart, Math.min(times.gridEnd ?? Infinity, sigmas.length - 1), seed, iteration, firstSample) : [];
  try {
    return torch.scope(() => {
      const noises: Tensor[] = [];
      const ts: Tensor[] = [];
      for (let k = 0; k < K; k++) {
        noises.push(standardNormalLike(x0, gens, 'drawTrainingPoints')); // ε of point k·B + i from generator i
        ts.push(levels.length > 0 ? torch.tensor(levels.map((l) => sigmas[l[k]!]!), { dtype: x0.dtype }) : drawTime(B, gens, times, x0.dtype));
      }
      const x0K = torch.cat(Array<Tensor>(K).fill(x0), 0);
      const noise = torch.cat(noises, 0);
      const t = torch.cat(ts, 0);
      const s = perSample(t, x0K, 'drawTrainingPoints', 't'); // [K·B, 1, …]
      const xt = x0K.mul(s.rsub(1)).add(noise.mul(s)); // x_t = (1 − t)·x₀ + t·ε
      const c = defaultConditioningOps<C>().cat(Array<C>(K).fill(cond));
      return { count: K * B, samples: B, x0: x0K, noise, t, xt, cond: c };
    });
  } finally {
    for (const g of gens) g.dispose();
  }
}

/** For each sample, K distinct grid levels in [start, steps) (a seeded shuffle, then the first K). */
function gridLevels(B: number, K: number, start: number, steps: number, seed: number, iteration: number, firstSample: number): number[][] {
  return Array.from({ length: B }, (_, i) => {
    const all = Array.from({ length: steps - start }, (_, j) => start + j);
    return new Rng(deriveSeed(seed, iteration, 5, firstSample + i)).shuffle(all).slice(0, K);
  });
}

function drawTime(B: number, gens: readonly torch.Generator[], times: Readonly<TrainingTimes>, dtype: torch.DType): Tensor {
  if (times.distribution === 'uniform') {
    return drawPerSample([B], gens, 'drawTrainingPoints', (shape, generator) => torch.rand(shape, { generator, dtype }));
  }
  return drawPerSample([B], gens, 'drawTrainingPoints', (shape, generator) => torch.randn(shape, { generator, dtype })).sigmoid();
}

/** Points [start, end) (views; the conditioning sliced). */
export function slicePoints<C>(p: TrainingPoints<C>, start: number, end: number): TrainingPoints<C> {
  const n = end - start;
  const cut = (x: Tensor): Tensor => x.narrow(0, start, n);
  const cond = defaultConditioningOps<C>().slice(p.cond, start, end);
  return { count: n, samples: p.samples, x0: cut(p.x0), noise: cut(p.noise), t: cut(p.t), xt: cut(p.xt), cond };
}

/** A frozen model's velocity at every point, in chunks of `chunk` points (no grad), [K·B, …]. */
export function velocitiesAt<C>(model: VelocityModel<C>, points: TrainingPoints<C>, chunk: number): Tensor {
  return torch.noGrad(() =>
    torch.scope(() => {
      const parts: Tensor[] = [];
      for (let s = 0; s < points.count; s += chunk) {
        const mb = slicePoints(points, s, Math.min(points.count, s + chunk));
        parts.push(model(mb.xt, mb.t, mb.cond));
      }
      return torch.cat(parts, 0);
    }),
  );
}
