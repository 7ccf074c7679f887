// Divergence: when a run is broken beyond what skipping one update can mend, the loop stops it as 'diverged'.
//
// The rule (docs/reliability.md), checked after every iteration, before its evaluation and checkpoint:
//   1. the policy's weights are non-finite (any NaN/±Inf parameter), or
//   2. their global norm ‖θ‖₂ left [‖θ₀‖ / f, f · ‖θ₀‖], θ₀ the weights at iteration 0 and f = weightNormFactor
//      (default 4; fine-tuning moves ‖θ‖ by a few percent: AdamW moves each weight by ≤ lr per step), or
//   3. the update's pre-clip gradient norm exceeds g × the median of the last `window` positive finite gradient
//      norms (g = gradNormFactor, default 1000; only once `minHistory` of them exist) and also the absolute floor
//      gradNormFloor (default 10; the shipped base's updates measure about 0.1), so iterations whose gradient is
//      only a tiny KL term cannot make an ordinary update look like an explosion.
// Non-finite rewards, losses or gradients alone are not divergence: the algorithm skips that update and the
// NaN/Inf policy (`stopOnNonFinite`) counts them. Losses are not compared to their median: the policy-gradient
// surrogates are centred near zero by the advantage normalisation, so a ratio to their median is noise.
//
// Because the check runs before an iteration's checkpoint is written, every checkpoint on disk passed it: the
// "last good" checkpoint a stop message names was checked before the damage.
import { z } from 'zod';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export const divergenceConfigSchema = z
  .object({
    /** ‖θ‖ above f·‖θ₀‖ or below ‖θ₀‖/f is divergence (f > 1). */
    weightNormFactor: z.number().gt(1).default(4),
    /** A pre-clip gradient norm above this multiple of the running median (and above gradNormFloor) is divergence. */
    gradNormFactor: z.number().gt(1).default(1000),
    /** Gradient norms at or below this are never an explosion, whatever the median. */
    gradNormFloor: z.number().nonnegative().default(10),
    /** Iterations in the running median of gradient norms. */
    window: z.number().int().positive().default(20),
    /** Gradient norms needed before the gradient rule applies. */
    minHistory: z.number().int().positive().default(5),
  })
  .strict();

export type DivergenceConfig = z.infer<typeof divergenceConfigSchema>;

/** What carries across iterations (saved in each checkpoint, so a resumed run judges like an unbroken one). */
export interface DivergenceState {
  /** ‖θ₀‖₂ at iteration 0. */
  baseNorm: number;
  /** The last `window` positive finite pre-clip gradient norms of iterations that updated. */
  gradNorms: number[];
}

/** A divergence verdict: which rule fired, with the numbers, as one sentence. */
export interface Divergence {
  rule: 'non-finite weights' | 'weight norm' | 'gradient norm';
  detail: string;
}

/** ‖θ‖₂ over `params` (NaN or Infinity when any weight is non-finite), accumulated in float64. */
export function weightNorm(params: readonly Tensor[]): number {
  let sq = 0;
  for (const p of params) {
    const n = torch.noGrad(() => torch.scope(() => p.detach().double().norm().item()));
    sq += n * n;
  }
  return Math.sqrt(sq);
}

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Judges one iteration: `norm` is ‖θ‖ after it, `gradNorm` its pre-clip gradient norm (NaN when it did not update).
 * Returns the verdict (null: healthy) and the state to carry on; the state is not changed by a diverged iteration.
 */
export function judgeIteration(
  config: Readonly<DivergenceConfig>,
  state: Readonly<DivergenceState>,
  norm: number,
  gradNorm: number,
): { verdict: Divergence | null; state: DivergenceState } {
  const verdict = weightVerdict(config, state.baseNorm, norm) ?? gradVerdict(config, state.gradNorms, gradNorm);
  if (verdict !== null || !Number.isFinite(gradNorm) || gradNorm <= 0) return { verdict, state: { ...state, gradNorms: [...state.gradNorms] } };
  const gradNorms = [...state.gradNorms, gradNorm].slice(-config.window);
  return { verdict: null, state: { baseNorm: state.baseNorm, gradNorms } };
}

function weightVerdict(config: Readonly<DivergenceConfig>, base: number, norm: number): Divergence | null {
  if (!Number.isFinite(norm)) return { rule: 'non-finite weights', detail: `the policy's weights hold NaN or ±Inf (‖θ‖ = ${norm})` };
  if (!(base > 0)) return null;
  const f = config.weightNormFactor;
  const ratio = norm / base;
  if (ratio <= f && ratio >= 1 / f) return null;
  return {
    rule: 'weight norm',
    detail: `‖θ‖ = ${norm.toExponential(3)} is ${ratio.toExponential(2)}× its value at iteration 0 (${base.toExponential(3)}), outside [1/${f}, ${f}] (divergence.weightNormFactor)`,
  };
}

function gradVerdict(config: Readonly<DivergenceConfig>, history: readonly number[], gradNorm: number): Divergence | null {
  if (!Number.isFinite(gradNorm) || history.length < config.minHistory) return null;
  const m = median(history);
  if (!(m > 0) || gradNorm <= config.gradNormFactor * m || gradNorm <= config.gradNormFloor) return null;
  return {
    rule: 'gradient norm',
    detail: `the gradient norm ${gradNorm.toExponential(3)} is ${(gradNorm / m).toExponential(2)}× the median of the last ${history.length} (${m.toExponential(3)}), above ${config.gradNormFactor}× (divergence.gradNormFactor)`,
  };
}
