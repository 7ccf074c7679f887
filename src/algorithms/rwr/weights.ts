// The sample weights of reward-weighted regression (Peters & Schaal 2007; Peng et al., "Advantage-Weighted
// Regression", arXiv 1910.00177, Eq. 7 and §5; DESIGN §3):
//   w̃_i = min(exp(A_i/τ), ω_max),   w_i = w̃_i / Σ_j w̃_j.
// Computed as exp(min(A_i/τ, log ω_max) − m) with m the largest exponent, so small τ does not overflow; the cap
// is applied before normalising, as AWR clips its weights. Limits: τ → ∞ gives uniform weights (plain training
// on the policy's own samples); τ → 0 without a cap puts all weight on the best sample(s), ties shared equally.

/** Normalised weights (sum 1) of B advantages at temperature τ > 0 (τ = Infinity allowed), optional cap ω_max > 0. */
export function rewardWeights(advantages: readonly number[], temperature: number, maxWeight?: number): number[] {
  const where = 'refract rewardWeights';
  if (advantages.length === 0) throw new Error(`${where}: advantages must be non-empty`);
  if (!advantages.every((a) => Number.isFinite(a))) {
    throw new Error(`${where}: advantages must be finite, got [${advantages.join(', ')}] — skip iterations with NaN rewards`);
  }
  if (!(temperature > 0)) throw new Error(`${where}: temperature must be > 0, got ${temperature} — use e.g. 0.5`);
  if (maxWeight !== undefined && !(maxWeight > 0)) {
    throw new Error(`${where}: maxWeight must be > 0, got ${maxWeight} — AWR uses 20`);
  }
  const cap = maxWeight === undefined ? Infinity : Math.log(maxWeight);
  const exponents = advantages.map((a) => Math.min(a / temperature, cap)); // min(A_i/τ, log ω_max)
  const m = Math.max(...exponents);
  const unnormalised = exponents.map((e) => Math.exp(e - m)); // w̃_i / exp(m)
  const total = unnormalised.reduce((s, w) => s + w, 0);
  return unnormalised.map((w) => w / total); // w_i = w̃_i / Σ_j w̃_j
}

/** Kish's effective sample size 1/Σ w_i² of normalised weights: B for uniform, 1 for a single sample. */
export function effectiveSampleSize(weights: readonly number[]): number {
  return 1 / weights.reduce((s, w) => s + w * w, 0);
}
