// Learning-rate schedules as pure functions of the step: each returns the factor that multiplies a group's base
// lr after `step` completed optimizer steps (LambdaLR's lr_lambda). Warmup starts at 0 on step 0, as in
// diffusers/transformers' get_cosine_schedule_with_warmup, so the first update is a no-op: that is the reference
// behaviour these schedules are ported from (in idea, diffusers src/diffusers/optimization.py).
import { TorchError } from '../native.js';

/** step (0-based count of completed optimizer steps) → lr factor. */
export type LrLambda = (step: number) => number;

export function constantSchedule(): LrLambda {
  return () => 1;
}

/** step/warmupSteps for step < warmupSteps, then 1. */
export function linearWarmup(o: { warmupSteps: number }): LrLambda {
  checkSteps('linearWarmup', 'warmupSteps', o.warmupSteps);
  return (step) => (step < o.warmupSteps ? step / Math.max(1, o.warmupSteps) : 1);
}

/**
 * Linear warmup to 1 over `warmupSteps`, then a half cosine from 1 down to `minLrRatio` at `totalSteps`
 * (Loshchilov & Hutter, SGDR, arXiv 1608.03983, without restarts), held at `minLrRatio` afterwards:
 *   f(s) = s / W                                                 s < W
 *   f(s) = r + (1 − r) · ½ · (1 + cos(π · min(1, (s − W)/(T − W))))   otherwise
 */
export function warmupCosine(o: { warmupSteps: number; totalSteps: number; minLrRatio?: number }): LrLambda {
  const where = 'warmupCosine';
  checkSteps(where, 'warmupSteps', o.warmupSteps);
  checkSteps(where, 'totalSteps', o.totalSteps);
  if (o.totalSteps <= o.warmupSteps) {
    throw new TorchError(`totalSteps must exceed warmupSteps (${o.warmupSteps}), got ${o.totalSteps}`, where);
  }
  const r = o.minLrRatio ?? 0;
  if (!(r >= 0 && r <= 1)) throw new TorchError(`minLrRatio must be in [0, 1], got ${r}`, where);
  const w = o.warmupSteps;
  const decay = o.totalSteps - w;
  return (step) => {
    if (step < w) return step / Math.max(1, w);
    const progress = Math.min(1, (step - w) / decay);
    return r + (1 - r) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

function checkSteps(where: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new TorchError(`${name} must be a non-negative integer, got ${v}`, where);
}
