// Sample efficiency of post-training runs: how many generated samples a run needed to raise gold by a target gain
// (e.g. +10 points of ShapesEval), read off its evaluation curve, and the ratio against a reference algorithm —
// the form of DiffusionNFT's "25× more efficient than Flow-GRPO" (arXiv 2509.16117) and AWM's "24×" (arXiv
// 2509.25050) claims, measured here on one machine with one budget.

/** One evaluation of a run: the samples generated before it and the gold score it measured. */
export interface GoldPoint {
  samples: number;
  gold: number;
}

/**
 * Samples at which the curve first reaches `base + gain`, linearly interpolated between the two evaluations that
 * bracket the crossing; null when it never does. `curve` is in training order and starts at the base (samples 0).
 */
export function samplesToGain(curve: readonly GoldPoint[], gain: number): number | null {
  if (curve.length === 0) return null;
  const target = curve[0]!.gold + gain;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1]!;
    const b = curve[i]!;
    if (b.gold >= target) {
      if (a.gold >= target || b.gold === a.gold) return b.samples;
      return a.samples + ((target - a.gold) / (b.gold - a.gold)) * (b.samples - a.samples);
    }
  }
  return null;
}

/**
 * How many times fewer samples than the reference an arm needed for the gain: reference / arm. When the reference
 * never reached it within its budget, the ratio is a lower bound (`atLeast`): the reference needed more than its
 * budget. Null when the arm itself never reached the gain.
 */
export function efficiencyRatio(arm: number | null, reference: number | null, referenceBudget: number): { ratio: number; atLeast: boolean } | null {
  if (arm === null || arm <= 0) return null;
  if (reference === null) return { ratio: referenceBudget / arm, atLeast: true };
  return { ratio: reference / arm, atLeast: false };
}
