/**
 * Calibration of a reward read as a Bradley–Terry preference model: for a pair with scores r_A, r_B the reward
 * predicts P(A ≻ B) = σ((r_A − r_B) / T) (Bradley & Terry 1952; the RM loss of InstructGPT, arXiv 2203.02155).
 *
 * A prediction's confidence is max(p, 1 − p) and it is correct when it names the labelled winner (a tie, p = ½,
 * is half correct). Expected calibration error over equal-width confidence bins on [½, 1]
 * (Guo et al., "On Calibration of Modern Neural Networks", arXiv 1706.04599, eq. 3, with binary confidences):
 *   ECE = Σ_b (n_b / N) · |acc_b − conf_b|
 * Rewards come in arbitrary scales (a gold score in {0, ½, 1}, a BT logit), so σ(Δr) as-is mostly measures the
 * scale. The audit therefore also fits a temperature T on a calibration split by minimising the BT negative
 * log-likelihood −mean log σ(Δr / T) (temperature scaling, Guo et al. §4.2) and reports ECE on the other split:
 * "could this reward's differences be read as preference probabilities after one scalar rescale?"
 */

/** σ(z), computed without overflow. */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log σ(z) = −log(1 + e^{−z}), stable for large |z|. */
export function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/** Bradley–Terry negative log-likelihood of labelled-winner-minus-loser score differences at temperature T. */
export function btNll(diffs: ArrayLike<number>, temperature: number): number {
  let s = 0;
  for (let i = 0; i < diffs.length; i++) s -= logSigmoid(diffs[i]! / temperature);
  return s / Math.max(1, diffs.length);
}

export const TEMPERATURE_RANGE: readonly [number, number] = [1e-3, 1e3];

/**
 * The T in TEMPERATURE_RANGE minimising btNll: a log-spaced grid, then golden-section search in log T around
 * the best grid point. NLL is unimodal in log T for these objectives in practice; the grid guards the rest.
 * A reward that never ranks a calibration pair wrongly drives T to the lower bound (a step function, p → 1).
 */
export function fitTemperature(diffs: ArrayLike<number>): number {
  const [lo, hi] = TEMPERATURE_RANGE.map(Math.log) as [number, number];
  const f = (logT: number): number => btNll(diffs, Math.exp(logT));
  const grid = 61;
  let best = lo;
  for (let k = 0; k < grid; k++) {
    const x = lo + ((hi - lo) * k) / (grid - 1);
    if (f(x) < f(best)) best = x;
  }
  const step = (hi - lo) / (grid - 1);
  let [a, b] = [Math.max(lo, best - step), Math.min(hi, best + step)];
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const c = b - phi * (b - a);
    const d = a + phi * (b - a);
    if (f(c) <= f(d)) b = d;
    else a = c;
  }
  return Math.exp((a + b) / 2);
}

export interface ReliabilityBin {
  /** Confidence range [lo, hi). */
  lo: number;
  hi: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

export interface CalibrationSummary {
  ece: number;
  bins: ReliabilityBin[];
}

/**
 * ECE and reliability bins of the predictions σ(diffs / T), where diffs[i] = r(labelled winner) − r(loser).
 * Bins are equal-width on confidence [½, 1]; the last bin includes 1.
 */
export function expectedCalibrationError(
  diffs: ArrayLike<number>,
  temperature: number,
  nBins = 10,
): CalibrationSummary {
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new Error(`refract audit calibration: bins must be a positive integer, got ${nBins}`);
  }
  const bins: ReliabilityBin[] = Array.from({ length: nBins }, (_, b) => ({
    lo: 0.5 + (0.5 * b) / nBins,
    hi: 0.5 + (0.5 * (b + 1)) / nBins,
    count: 0,
    meanConfidence: 0,
    accuracy: 0,
  }));
  for (let i = 0; i < diffs.length; i++) {
    const z = diffs[i]! / temperature; // P(labelled winner ≻ loser) = σ(z)
    const confidence = sigmoid(Math.abs(z)); // max(σ(z), 1 − σ(z)), computed so ±z land in the same bin
    const correct = z > 0 ? 1 : z === 0 ? 0.5 : 0;
    const bin = bins[Math.min(nBins - 1, Math.floor(((confidence - 0.5) / 0.5) * nBins))]!;
    bin.count++;
    bin.meanConfidence += confidence;
    bin.accuracy += correct;
  }
  let ece = 0;
  for (const bin of bins) {
    if (bin.count === 0) continue;
    bin.meanConfidence /= bin.count;
    bin.accuracy /= bin.count;
    ece += (bin.count / Math.max(1, diffs.length)) * Math.abs(bin.accuracy - bin.meanConfidence);
  }
  return { ece, bins };
}
