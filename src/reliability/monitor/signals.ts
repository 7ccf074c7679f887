/**
 * The signals a hacking monitor records at each evaluation, and the small series functions its rules use.
 *
 *   proxy        the optimised reward's mean on the evaluation images (fixed prompts and seeds)
 *   trainProxy   its mean on the policy's own training samples since the previous evaluation (what the
 *                optimiser sees; Gao et al.'s proxy axis)
 *   gold         the gold evaluator's score (ShapesEval overall), when the testbed has one
 *   heldOut      mean score of held-out reward models (trained on other data, never optimised)
 *   kl, sqrtKl   KL(π‖π_ref) as the loop measures it, and d = sqrt(KL) (Gao et al., arXiv 2210.10760)
 *   diversity    mean pairwise distance of samples for the same prompt (src/eval/stats/diversity.ts)
 *   uncertainty  mean ensemble disagreement (RewardResult.uncertainty) of the proxy on the evaluation images
 *   darkFraction, edgeDensity, colourEntropy, brightness, saturation   src/eval/stats/image-statistics.ts
 */
export const SIGNAL_NAMES = [
  'proxy',
  'trainProxy',
  'gold',
  'heldOut',
  'kl',
  'sqrtKl',
  'diversity',
  'uncertainty',
  'darkFraction',
  'edgeDensity',
  'colourEntropy',
  'brightness',
  'saturation',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** One evaluation's measurements; a signal that was not measured is absent (or NaN). */
export interface MonitorMetrics {
  iteration: number;
  values: Partial<Record<SignalName, number>>;
}

/** The signal's values over the history (NaN where it was not measured). */
export function series(history: readonly MonitorMetrics[], signal: SignalName): number[] {
  return history.map((m) => m.values[signal] ?? NaN);
}

/** Trailing mean over the last `window` finite values up to each index (NaN until the first finite value). */
export function trailingMean(values: readonly number[], window: number): number[] {
  return values.map((_, t) => finiteMean(values.slice(Math.max(0, t - window + 1), t + 1)));
}

/** Mean over the finite values within `halfWidth` of each index (the centred window, cut at the ends). */
export function centredMean(values: readonly number[], halfWidth: number): number[] {
  return values.map((_, t) => finiteMean(values.slice(Math.max(0, t - halfWidth), t + halfWidth + 1)));
}

/** Least-squares slope of values against their index (NaN with fewer than two finite values). */
export function slope(values: readonly number[]): number {
  const pts = values.flatMap((y, x) => (Number.isFinite(y) ? [[x, y] as const] : []));
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
  const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  let sxy = 0, sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}

/** Mean of the finite values (NaN when there are none). */
export function finiteMean(values: readonly number[]): number {
  let s = 0, n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : NaN;
}

/** Index of the largest finite value, the earliest on ties (−1 when none is finite). */
export function argmaxFinite(values: readonly number[]): number {
  let best = -1;
  values.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || v > values[best]!)) best = i;
  });
  return best;
}
