// Replay: recompute the log-probs (and means) of recorded sampler steps under the current weights, with grad.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Denoiser, PerSample, StepResult } from './types.js';
import type { ConditioningOps } from './conditioning.js';
import { guidedModel } from './guidance.js';
import { flowTransition } from './flow-transition.js';
import { ddimTransition } from './ddim-transition.js';
import { batchSize, sliceTrajectory, type Trajectory } from './trajectory.js';

export interface ReplayOptions<C> {
  /** Replay in chunks of this many samples (one forward each); default: the whole batch at once. */
  batchSize?: number;
  conditioningOps?: ConditioningOps<C>;
}

/** Per replayed step k: the same quantities a rollout step records, stacked after the batch. */
export interface ReplayResult {
  /** log p_θ(x_{i+1} | x_i), per-element mean over non-batch dims, [B, K]. */
  logProbs: Tensor;
  /** μ_θ of each replayed step, [B, K, ...]. */
  means: Tensor;
  /** The reference's std_dev_t (what stepKl divides by), [B, K]. */
  stdDevs: Tensor;
  /** The std of x_{i+1} | x_i, [B, K]. */
  transitionStds: Tensor;
}

/** Steps to replay: the same step indices for every sample, or one row of K indices per sample. */
export type StepIndices = readonly number[] | readonly (readonly number[])[];

/**
 * Recomputes log p_θ(x_{i+1} | x_i) for the recorded transitions i ∈ stepIndices by running `model` on the
 * recorded x_i and passing the recorded x_{i+1} as `prevSample` (no noise is drawn). Records grad unless called
 * under noGrad (as for a frozen reference's means). With the rollout's weights it reproduces the rollout's
 * log-probs — the importance ratio exp(logp_θ − logp_old) starts at 1 — whatever the batch split
 * (`batchSize`) or thread count. Per-sample rows of step indices are flow_grpo's per-sample timestep shuffle
 * (scripts/train_sd3.py); each column is one forward with per-sample σ (or ᾱ) tensors.
 * Only stochastic steps have a log-prob; asking for a deterministic one throws.
 */
export function replayLogProbs<C>(
  model: Denoiser<C>,
  trajectory: Trajectory<C>,
  stepIndices: StepIndices,
  opts: ReplayOptions<C> = {},
): ReplayResult {
  const B = batchSize(trajectory);
  const rows = perSampleRows(stepIndices, B);
  validateSteps(trajectory, rows);
  const chunk = opts.batchSize ?? B;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new Error(`refract replayLogProbs: batchSize must be a positive integer, got ${chunk}`);
  }
  return torch.scope(() => {
    const parts: ReplayResult[] = [];
    for (let start = 0; start < B; start += chunk) {
      const end = Math.min(B, start + chunk);
      const sub = sliceTrajectory(trajectory, start, end, opts.conditioningOps);
      parts.push(replayChunk(model, sub, rows.slice(start, end), opts.conditioningOps));
    }
    if (parts.length === 1) return parts[0]!;
    const cat = (get: (r: ReplayResult) => Tensor): Tensor => torch.cat(parts.map(get), 0);
    return {
      logProbs: cat((r) => r.logProbs),
      means: cat((r) => r.means),
      stdDevs: cat((r) => r.stdDevs),
      transitionStds: cat((r) => r.transitionStds),
    };
  });
}

function perSampleRows(stepIndices: StepIndices, B: number): number[][] {
  if (stepIndices.length === 0) throw new Error('refract replayLogProbs: stepIndices must name at least one step');
  if (typeof stepIndices[0] === 'number')
    return Array.from({ length: B }, () => [...(stepIndices as readonly number[])]);
  const rows = (stepIndices as readonly (readonly number[])[]).map((r) => [...r]);
  const K = rows[0]!.length;
  if (rows.length !== B || rows.some((r) => r.length !== K)) {
    throw new Error(
      `refract replayLogProbs: per-sample stepIndices must be ${B} rows of equal length, got ${rows.length} rows`,
    );
  }
  return rows;
}

function validateSteps<C>(t: Trajectory<C>, rows: number[][]): void {
  if (t.latents === null) {
    throw new Error('refract replayLogProbs: trajectory has no latents — sample with recordLatents: true to replay it');
  }
  if (t.sampler.kind !== t.schedule.kind)
    throw new Error(`refract replayLogProbs: sampler ${t.sampler.kind} does not match schedule ${t.schedule.kind}`);
  const T = t.stochastic.length;
  for (const i of rows.flat()) {
    if (!Number.isInteger(i) || i < 0 || i >= T)
      throw new Error(`refract replayLogProbs: step index must be in [0, ${T}), got ${i}`);
    if (!t.stochastic[i]) {
      throw new Error(
        `refract replayLogProbs: step ${i} is deterministic and has no log-prob — replay only steps with trajectory.stochastic[i]`,
      );
    }
  }
}

function replayChunk<C>(
  model: Denoiser<C>,
  t: Trajectory<C>,
  rows: number[][],
  ops?: ConditioningOps<C>,
): ReplayResult {
  const guided =
    t.uncond === undefined ? model : guidedModel(model, { uncond: t.uncond, scale: t.sampler.guidance, ops });
  const latents = t.latents!;
  const K = rows[0]!.length;
  const B = rows.length;
  const steps: StepResult[] = [];
  for (let k = 0; k < K; k++) {
    const idx = rows.map((r) => r[k]!);
    steps.push(
      torch.scope(() => {
        const x = gatherStep(latents, idx); // x_i       [B, …]
        const recordedNext = gatherStep(
          latents,
          idx.map((i) => i + 1),
        ); // x_{i+1}, recorded
        return replayStep(guided, t, idx, x, recordedNext);
      }),
    );
  }
  const col = (get: (s: StepResult) => Tensor): Tensor => torch.stack(steps.map(get), 1);
  return {
    logProbs: col((s) => s.logProb),
    means: col((s) => s.prevSampleMean),
    stdDevs: col((s) => s.stdDev.reshape([B])),
    transitionStds: col((s) => s.transitionStd.reshape([B])),
  };
}

function replayStep<C>(model: Denoiser<C>, t: Trajectory<C>, idx: number[], x: Tensor, prevSample: Tensor): StepResult {
  const dtype = x.dtype;
  const B = idx.length;
  const values = (table: readonly number[], shift = 0): PerSample =>
    idx.every((i) => i === idx[0])
      ? table[idx[0]! + shift]!
      : torch.tensor(
          idx.map((i) => table[i + shift]!),
          { dtype },
        );
  const timeOf = (v: PerSample): Tensor => (typeof v === 'number' ? torch.full([B], v, { dtype }) : v);
  if (t.sampler.kind === 'flow' && t.schedule.kind === 'flow') {
    const sigma = values(t.schedule.sigmas); // σ_i
    const velocity = model(x, timeOf(sigma), t.cond); // v̂_θ(x_i, σ_i)
    const sigmaNext = values(t.schedule.sigmas, 1); // σ_{i+1}
    return flowTransition({
      config: t.sampler,
      stochastic: true,
      velocity,
      sample: x,
      sigma,
      sigmaNext,
      sigmaMax: t.schedule.sigmaMax,
      prevSample,
    });
  }
  if (t.sampler.kind === 'ddim' && t.schedule.kind === 'ddim') {
    const modelOutput = model(x, timeOf(values(t.schedule.timesteps)), t.cond); // ε̂_θ or v̂_θ at (x_t, t)
    const alphas = { alphaProdT: values(t.schedule.alphaProdT), alphaProdTPrev: values(t.schedule.alphaProdTPrev) };
    return ddimTransition({ config: t.sampler, stochastic: true, modelOutput, sample: x, ...alphas, prevSample });
  }
  throw new Error('refract replayLogProbs: unknown sampler kind');
}

/** latents [B, T+1, …] at per-sample step indices → [B, …]. */
function gatherStep(latents: Tensor, idx: number[]): Tensor {
  if (idx.every((i) => i === idx[0])) return latents.select(1, idx[0]!);
  return torch.scope(() => latents.index(torch.arange(0, idx.length), torch.tensor(idx, { dtype: 'int64' })));
}
