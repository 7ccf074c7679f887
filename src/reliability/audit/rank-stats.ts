/**
 * Rank agreement between two score vectors over the same samples — how a reward audit measures whether two
 * components (or two rewards) order images alike, independent of their scales:
 *   Spearman ρ   Pearson correlation of average ranks (Spearman 1904; ties take the mean of their ranks);
 *   Kendall τ-b  (C − D) / sqrt((n₀ − n₁)(n₀ − n₂)), with C/D the concordant/discordant sample pairs,
 *                n₀ = n(n−1)/2 and n₁, n₂ the pairs tied in x and in y (Kendall 1945, the tie-corrected τ);
 *   conflict     D / (C + D): of the sample pairs both vectors order strictly, the fraction they order
 *                oppositely — when a composite reward's components conflict, its weights decide the winner.
 * Kendall's counts are O(n²); audits score a few hundred samples, so clarity wins over Knight's O(n log n).
 */

/** Average ranks (1-based), ties sharing the mean of the ranks they span. */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Float64Array(x.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && x[order[end]!] === x[order[start]!]) end++;
    const mean = (start + end + 1) / 2; // ranks start+1 .. end, averaged
    for (let k = start; k < end; k++) ranks[order[k]!] = mean;
    start = end;
  }
  return ranks;
}

/** Pearson correlation; NaN when either vector is constant (no ordering to agree with). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSameLength(x, y, 'pearson');
  const n = x.length;
  if (isConstant(x) || isConstant(y)) return Number.NaN; // tested exactly: rounding in the means must not fake a spread
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]! / n;
    my += y[i]! / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function isConstant(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

/** Spearman ρ = Pearson correlation of average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSameLength(x, y, 'spearman');
  return pearson(averageRanks(x), averageRanks(y));
}

export interface PairCounts {
  concordant: number;
  discordant: number;
  tiedX: number;
  tiedY: number;
  /** n(n−1)/2 */
  total: number;
}

/** Concordant, discordant and tied sample pairs of (x, y). */
export function pairCounts(x: ArrayLike<number>, y: ArrayLike<number>): PairCounts {
  checkSameLength(x, y, 'pairCounts');
  const c: PairCounts = { concordant: 0, discordant: 0, tiedX: 0, tiedY: 0, total: 0 };
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const s = Math.sign(x[i]! - x[j]!) * Math.sign(y[i]! - y[j]!);
      c.total++;
      if (x[i] === x[j]) c.tiedX++;
      if (y[i] === y[j]) c.tiedY++;
      if (s > 0) c.concordant++;
      else if (s < 0) c.discordant++;
    }
  }
  return c;
}

/** Kendall τ-b; NaN when either vector is constant. */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const c = pairCounts(x, y);
  const denom = Math.sqrt((c.total - c.tiedX) * (c.total - c.tiedY));
  return denom === 0 ? Number.NaN : (c.concordant - c.discordant) / denom;
}

/** D / (C + D); NaN when no sample pair is strictly ordered by both. */
export function conflictRate(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const c = pairCounts(x, y);
  const strict = c.concordant + c.discordant;
  return strict === 0 ? Number.NaN : c.discordant / strict;
}

/** Population standard deviation. */
export function stdDev(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i]! - m) ** 2 / n;
  return Math.sqrt(v);
}

function checkSameLength(x: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  if (x.length !== y.length) {
    throw new Error(
      `refract audit ${what}: both score vectors must have the same length, got ${x.length} and ${y.length}`,
    );
  }
}
