/**
 * Least-squares fits of one coordinate's track to the world's motion laws, piecewise between collisions:
 *
 *   p(t) = a_k + b_k·t + (A/2)·t²     for samples in free-flight segment k
 *
 * with one acceleration A shared by all segments (gravity does not change at a bounce) — free, or fixed (0 for
 * constant velocity and for x under gravity). Each segment gets its own position and velocity, so a bounce is a
 * break between segments; whether that break is physically plausible is judged separately (motion.ts).
 * Solved by normal equations; a segment holding one sample has no velocity information, and its velocity is
 * pinned to 0 by the solver's zero-pivot rule.
 */

export interface PiecewiseFit {
  /** Shared acceleration (the fixed value when not fitted). */
  accel: number;
  /** Per segment: position at t = 0 and velocity (p = a + b·t + accel/2·t²). */
  a: number[];
  b: number[];
  /** Fitted value at each sample and the residual (observed − fitted). */
  fitted: number[];
  residuals: number[];
  /** Root-mean-square and maximum absolute residual. */
  rms: number;
  maxAbs: number;
}

/**
 * Fits samples (t[i], p[i]) with segment ids seg[i] ∈ [0, K) (segments contiguous or not; ids must be dense).
 * `accel`: a number fixes A; 'free' fits it.
 */
export function fitPiecewise(
  t: readonly number[],
  p: readonly number[],
  seg: readonly number[],
  accel: number | 'free',
): PiecewiseFit {
  const n = t.length;
  if (p.length !== n || seg.length !== n || n === 0) {
    throw new Error(`refract physics: fit needs equal, non-empty t, p and seg, got ${n}, ${p.length}, ${seg.length}`);
  }
  const K = Math.max(...seg) + 1;
  const free = accel === 'free';
  const m = 2 * K + (free ? 1 : 0);
  // Design row for sample i: [.. 1 at 2k, (t − c_k) at 2k+1 .., t²/2 if free]; target p − fixed·t²/2. Centring
  // each segment's time on its mean c_k keeps the normal equations well conditioned for short late segments.
  const fixed = free ? 0 : accel;
  const centre = new Array<number>(K).fill(0);
  const count = new Array<number>(K).fill(0);
  seg.forEach((k, i) => ((centre[k] += t[i]), count[k]++));
  for (let k = 0; k < K; k++) centre[k] = count[k] > 0 ? centre[k] / count[k] : 0;
  const ata = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  const atb = new Array<number>(m).fill(0);
  for (let i = 0; i < n; i++) {
    const row = new Map<number, number>([
      [2 * seg[i], 1],
      [2 * seg[i] + 1, t[i] - centre[seg[i]]],
    ]);
    if (free) row.set(2 * K, (t[i] * t[i]) / 2);
    const y = p[i] - (fixed * t[i] * t[i]) / 2;
    for (const [j, vj] of row) {
      atb[j] += vj * y;
      for (const [l, vl] of row) ata[j][l] += vj * vl;
    }
  }
  const x = solve(ata, atb);
  const A = free ? x[2 * K] : fixed;
  const b = Array.from({ length: K }, (_, k) => x[2 * k + 1]);
  const a = Array.from({ length: K }, (_, k) => x[2 * k] - b[k] * centre[k]);
  const fitted = t.map((ti, i) => a[seg[i]] + b[seg[i]] * ti + (A / 2) * ti * ti);
  const residuals = p.map((pi, i) => pi - fitted[i]);
  const rms = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / n);
  const maxAbs = residuals.reduce((s, r) => Math.max(s, Math.abs(r)), 0);
  return { accel: A, a, b, fitted, residuals, rms, maxAbs };
}

/** Position and velocity of segment k's fitted motion at time t. */
export function evalSegment(f: PiecewiseFit, k: number, t: number): { p: number; v: number } {
  return { p: f.a[k] + f.b[k] * t + (f.accel / 2) * t * t, v: f.b[k] + f.accel * t };
}

/**
 * Solves the square system M·x = r by Gaussian elimination with partial pivoting (M is small). Unknowns whose
 * pivot is negligible (below 1e-12 of the largest diagonal entry: the system says nothing about them) are set to 0.
 */
export function solve(M: number[][], r: number[]): number[] {
  const n = r.length;
  const A = M.map((row, i) => [...row, r[i]]);
  const tiny = 1e-12 * Math.max(1e-300, ...M.map((row, i) => Math.abs(row[i])));
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(A[i][c]) > Math.abs(A[piv][c])) piv = i;
    [A[c], A[piv]] = [A[piv], A[c]];
    const d = A[c][c];
    if (Math.abs(d) < tiny) continue;
    for (let i = c + 1; i < n; i++) {
      const f = A[i][c] / d;
      if (f === 0) continue;
      for (let j = c; j <= n; j++) A[i][j] -= f * A[c][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = A[i][n];
    for (let j = i + 1; j < n; j++) s -= A[i][j] * x[j];
    x[i] = Math.abs(A[i][i]) < tiny ? 0 : s / A[i][i];
  }
  return x;
}
