/**
 * Paired comparison of two binary outcomes on the same items (e.g. "OCR read the glyph exactly", before and after
 * RL, same prompts and sampling seeds). Per item i the difference dᵢ = afterᵢ − beforeᵢ ∈ {−1, 0, +1}:
 *
 *   gained = #{i : beforeᵢ = 0, afterᵢ = 1}        (wrong → right)
 *   lost   = #{i : beforeᵢ = 1, afterᵢ = 0}        (right → wrong)
 *   Δ      = mean dᵢ = (gained − lost) / n
 *   Var d  = E[d²] − (E d)² = (gained + lost)/n − Δ²   (population variance of the dᵢ)
 *   SE(Δ)  = √(Var d) / √n
 *
 * Pairing removes the between-item variance that two independent accuracies would carry, so SE(Δ) is what a
 * before/after claim on the same prompts should quote (the estimate behind McNemar's test, which uses gained and
 * lost alone).
 */
export interface PairedBinaryDelta {
  n: number;
  /** Items wrong before and right after. */
  gained: number;
  /** Items right before and wrong after. */
  lost: number;
  /** (gained − lost) / n: the change in accuracy. */
  delta: number;
  /** Paired standard error of `delta`: √((gained + lost)/n − Δ²) / √n. */
  standardError: number;
}

function assertBinary(name: string, xs: readonly number[]): void {
  const i = xs.findIndex((x) => x !== 0 && x !== 1);
  if (i >= 0) throw new Error(`refract pairedBinaryDelta: ${name}[${i}] must be 0 or 1, got ${xs[i]}`);
}

export function pairedBinaryDelta(before: readonly number[], after: readonly number[]): PairedBinaryDelta {
  if (before.length !== after.length || before.length === 0) {
    throw new Error(
      `refract pairedBinaryDelta: before and after must have the same non-zero length, got ${before.length} and ${after.length}`,
    );
  }
  assertBinary('before', before);
  assertBinary('after', after);
  const n = before.length;
  let gained = 0;
  let lost = 0;
  for (let i = 0; i < n; i++) {
    if (before[i] === 0 && after[i] === 1) gained++;
    else if (before[i] === 1 && after[i] === 0) lost++;
  }
  const delta = (gained - lost) / n; // Δ = mean dᵢ
  const variance = Math.max(0, (gained + lost) / n - delta * delta); // E[d²] − Δ²; max() guards rounding below 0
  return { n, gained, lost, delta, standardError: Math.sqrt(variance / n) };
}
