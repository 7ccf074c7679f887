/**
 * Collisions in a track: where to break a piecewise fit (velocity reversals), which breaks to keep (least residual
 * plus a per-break penalty), and whether a kept break is a real collision — the motion before and after it must
 * reach the wall at one moment, without gaining energy. Used by motion.ts for the gravity law.
 */
import { centroidToBottom, type MovingShape } from '../../data/moving-shapes/types.js';
import { evalSegment, fitPiecewise, type PiecewiseFit } from './fit.js';

export interface CollisionTolerances {
  /** Largest gap (ticks) between the moments the motion in and the motion out reach the wall. */
  maxContactGap: number;
  /** Rebound speed may be at most this times the incoming speed, plus 0.3 px/tick. */
  maxRestitution: number;
}

export interface FrameGeometry {
  width: number;
  height: number;
}

/**
 * Candidate break positions b (a break before sample b) around velocity reversals. With v_j the velocity between
 * samples j and j+1, a collision inside interval j leaves v_{j−1} and v_{j+1} on opposite sides while v_j itself
 * may be anything (the collision happened part-way), so reversals are sought between v_a and v_c for c = a+1 and
 * c = a+2, and the break may sit at any sample from a+1 to c+1. Down→up only for y (the floor; an up→down turn is
 * gravity's apex), either way for x.
 */
export function breakCandidates(t: readonly number[], p: readonly number[], axis: 'x' | 'y'): number[] {
  const MIN_V = 0.2;
  const n = p.length;
  const v = Array.from({ length: n - 1 }, (_, j) => (p[j + 1] - p[j]) / (t[j + 1] - t[j]));
  const out = new Set<number>();
  for (let a = 0; a < v.length; a++) {
    for (let c = a + 1; c <= Math.min(a + 2, v.length - 1); c++) {
      const down = v[a] > MIN_V && v[c] < -MIN_V;
      const up = v[a] < -MIN_V && v[c] > MIN_V;
      if (!(down || (axis === 'x' && up))) continue;
      for (let b = a + 1; b <= c + 1; b++) if (b >= 1 && b <= n - 1) out.add(b);
    }
  }
  return [...out].sort((x, y) => x - y);
}

/** Extra squared residual (px²) a break must save to be worth making: keeps clean tracks from being over-split. */
const BREAK_PENALTY = 0.5;
/** At most 2^MAX_CANDIDATES subsets are tried. */
const MAX_CANDIDATES = 12;

/**
 * The best set of breaks among subsets of `cands`: least squared residual plus BREAK_PENALTY per break, every
 * segment holding ≥ 2 samples. `breaks` are the first sample index of each segment after the first.
 */
export function bestSplit(
  t: readonly number[],
  p: readonly number[],
  cands: readonly number[],
  accel: number | 'free',
): { fit: PiecewiseFit; breaks: number[] } {
  let best: { fit: PiecewiseFit; breaks: number[]; cost: number } | null = null;
  const c = cands.slice(0, MAX_CANDIDATES);
  for (let m = 0; m < 1 << c.length; m++) {
    const breaks = c.filter((_, j) => (m >> j) & 1);
    const bounds = [0, ...breaks, p.length];
    if (bounds.some((b, j) => j > 0 && b - bounds[j - 1] < 2)) continue;
    const seg = p.map((_, i) => breaks.filter((b) => b <= i).length);
    const fit = fitPiecewise(t, p, seg, accel);
    const cost = fit.rms * fit.rms * p.length + BREAK_PENALTY * breaks.length;
    if (!best || cost < best.cost) best = { fit, breaks, cost };
  }
  return (
    best ?? {
      fit: fitPiecewise(
        t,
        p,
        p.map(() => 0),
        accel,
      ),
      breaks: [],
    }
  );
}

/** The centroid coordinate at which the object touches the wall it is heading for before break `seg`. */
export function contactLevel(
  axis: 'x' | 'y',
  f: PiecewiseFit,
  seg: number,
  tBefore: number,
  size: number,
  shape: MovingShape,
  geo: FrameGeometry,
): number {
  const v = evalSegment(f, seg, tBefore).v;
  if (axis === 'y') return v > 0 ? geo.height - centroidToBottom(shape) * size : size;
  return v > 0 ? geo.width - size : size;
}

/** Whether segments seg and seg+1 both reach `level` at one moment in [t0, t1] without gaining energy. */
export function collisionValid(
  f: PiecewiseFit,
  seg: number,
  t0: number,
  t1: number,
  level: number,
  tol: Readonly<CollisionTolerances>,
): { ok: boolean; why: string } {
  const slack = 0.25 * (t1 - t0);
  const hit = (k: number): number | null => {
    const roots = quadRoots(f.accel / 2, f.b[k], f.a[k] - level);
    const inside = roots.filter((r) => r >= t0 - slack && r <= t1 + slack);
    return inside.length === 0
      ? null
      : inside.reduce((a, r) => (Math.abs(r - (t0 + t1) / 2) < Math.abs(a - (t0 + t1) / 2) ? r : a));
  };
  const tIn = hit(seg);
  const tOut = hit(seg + 1);
  if (tIn === null || tOut === null) return { ok: false, why: 'happens away from any wall' };
  if (Math.abs(tIn - tOut) > tol.maxContactGap)
    return {
      ok: false,
      why: `is not a collision (motion in and out meet the wall ${Math.abs(tIn - tOut).toFixed(2)} ticks apart)`,
    };
  const tc = (tIn + tOut) / 2;
  const vIn = Math.abs(evalSegment(f, seg, tc).v);
  const vOut = Math.abs(evalSegment(f, seg + 1, tc).v);
  if (vOut > tol.maxRestitution * vIn + 0.3)
    return { ok: false, why: `gains energy (speed ${vIn.toFixed(2)} → ${vOut.toFixed(2)} px/tick)` };
  return { ok: true, why: '' };
}

function quadRoots(a: number, b: number, c: number): number[] {
  if (Math.abs(a) < 1e-12) return Math.abs(b) < 1e-12 ? [] : [-c / b];
  const d = b * b - 4 * a * c;
  if (d < 0) return [];
  const s = Math.sqrt(d);
  return [(-b - s) / (2 * a), (-b + s) / (2 * a)];
}
