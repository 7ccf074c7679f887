/**
 * Judges one object's track against the law its prompt implies (see src/data/moving-shapes/types.ts).
 *
 * Constant velocity: x and y each fit one line (acceleration 0); the residual must be small, the speed at least
 * `minSpeed` and the direction within `maxAngleDeg` of the prompted one.
 *
 * Gravity: y is piecewise parabolic with one shared acceleration, x piecewise linear, with breaks at collisions.
 * Collision candidates come from velocity reversals (down → up for the floor, either way for the side walls);
 * subsets of candidate breaks are fitted and the one with the least residual plus a per-break penalty kept. Then:
 * - the fitted acceleration must be gravity (within [gMin, gMax]·GRAVITY): catches reversed or missing gravity;
 * - every break must be a real collision: extrapolating the motion before it and after it must reach the wall
 *   (the centroid's contact level, from the object's size and shape) at the same moment, within `maxContactGap`
 *   ticks, inside the frame interval — a reversal in mid-air fails;
 * - a collision may not add energy: rebound speed ≤ `maxRestitution`·incoming + 0.3 px/tick;
 * - "bouncing" needs at least one floor collision; "falling" needs a net drop of 2 px.
 * Each free-flight segment must hold at least two frames, or it could absorb any error.
 */
import { GRAVITY, lawOf } from '../../data/moving-shapes/types.js';
import { fitPiecewise, type PiecewiseFit } from './fit.js';
import { bestSplit, breakCandidates, collisionValid, contactLevel, type CollisionTolerances } from './collisions.js';
import type { Track } from './track.js';

export interface MotionTolerances extends CollisionTolerances {
  /** Largest RMS and single-frame position residual, px. */
  maxRms: number;
  maxResidual: number;
  minSpeed: number;
  maxAngleDeg: number;
  gMin: number;
  gMax: number;
}

export const DEFAULT_MOTION_TOLERANCES: Readonly<MotionTolerances> = Object.freeze({
  maxRms: 0.35,
  maxResidual: 0.8,
  minSpeed: 0.5,
  maxAngleDeg: 35,
  gMin: 0.7,
  gMax: 1.3,
  maxContactGap: 0.35,
  maxRestitution: 1.15,
});

export interface Collision {
  axis: 'x' | 'y';
  /** Index (into the clip's frames) of the first frame after the collision. */
  frame: number;
  valid: boolean;
}

export interface MotionReport {
  ok: boolean;
  reasons: string[];
  /** Per frame position residual in px (NaN where the object is missing). */
  residual: number[];
  /** Fitted acceleration of y (gravity law) and velocity (constant law), px/tick² and px/tick. */
  accel: number;
  velocity: [number, number];
  collisions: Collision[];
  /**
   * False when a whole-clip property of the law fails — wrong direction or speed, acceleration that is not
   * gravity, no bounce for "bouncing", no drop for "falling" — which no single frame shows.
   */
  lawOk: boolean;
}

interface Geometry {
  width: number;
  height: number;
  /** Frame times in ticks. */
  times: readonly number[];
}

/** The present frames of a track with their times and centroids: what the fits run on. */
interface Samples {
  name: string;
  frames: number[];
  t: number[];
  x: number[];
  y: number[];
}

/** Records a failed check; `law` marks a whole-clip property of the law (see MotionReport.lawOk). */
function fail(report: MotionReport, reason: string, law = false): void {
  report.reasons.push(reason);
  if (law) report.lawOk = false;
}

export function analyzeMotion(
  track: Track,
  geo: Geometry,
  tol: Readonly<MotionTolerances> = DEFAULT_MOTION_TOLERANCES,
): MotionReport {
  const F = geo.times.length;
  const report: MotionReport = {
    ok: false,
    reasons: [],
    residual: new Array<number>(F).fill(NaN),
    accel: 0,
    velocity: [0, 0],
    collisions: [],
    lawOk: true,
  };
  const frames = track.present.flatMap((p, k) => (p ? [k] : []));
  const s: Samples = {
    name: `${track.object.color} ${track.object.shape}`,
    frames,
    t: frames.map((k) => geo.times[k]),
    x: frames.map((k) => track.cx[k]),
    y: frames.map((k) => track.cy[k]),
  };
  if (frames.length < 3) {
    fail(report, `${s.name}: seen in ${frames.length} frames, too few to judge motion`, true);
    return report;
  }
  const [fx, fy] =
    lawOf(track.object.motion) === 'constant'
      ? fitConstant(s, track, report, tol)
      : fitGravity(s, track, geo, report, tol);
  frames.forEach((k, i) => (report.residual[k] = Math.hypot(fx.residuals[i], fy.residuals[i])));
  const res = frames.map((k) => report.residual[k]);
  const rms = Math.sqrt(res.reduce((a, r) => a + r * r, 0) / res.length);
  const worst = Math.max(...res);
  if (rms > tol.maxRms || worst > tol.maxResidual) {
    const law = lawOf(track.object.motion);
    fail(
      report,
      `${s.name}: track departs from ${law} motion (rms ${rms.toFixed(2)} px, worst ${worst.toFixed(2)} px)`,
    );
  }
  report.ok = report.reasons.length === 0;
  return report;
}

/** One line per axis; then speed and heading against the prompted direction. */
function fitConstant(s: Samples, track: Track, report: MotionReport, tol: Readonly<MotionTolerances>): PiecewiseFit[] {
  const oneSegment = s.t.map(() => 0);
  const fits = [fitPiecewise(s.t, s.x, oneSegment, 0), fitPiecewise(s.t, s.y, oneSegment, 0)];
  report.velocity = [fits[0].b[0], fits[1].b[0]];
  const [vx, vy] = report.velocity;
  const motion = track.object.motion;
  const speed = Math.hypot(vx, vy);
  const [ax, ay] = AXIS_OF[motion];
  if (speed < tol.minSpeed) {
    fail(
      report,
      `${s.name}: prompted moving ${motion} but moves ${speed.toFixed(2)} px/tick (min ${tol.minSpeed})`,
      true,
    );
    return fits;
  }
  const angle = (Math.acos(Math.max(-1, Math.min(1, (vx * ax + vy * ay) / speed))) * 180) / Math.PI;
  if (angle > tol.maxAngleDeg)
    fail(report, `${s.name}: prompted moving ${motion} but heads ${angle.toFixed(0)}° away`, true);
  return fits;
}

/** Piecewise fits with collision breaks; then gravity, every collision, and the prompted verb. */
function fitGravity(
  s: Samples,
  track: Track,
  geo: Geometry,
  report: MotionReport,
  tol: Readonly<MotionTolerances>,
): PiecewiseFit[] {
  const size = median(s.frames.map((k) => track.size[k]));
  const bx = bestSplit(s.t, s.x, breakCandidates(s.t, s.x, 'x'), 0);
  const by = bestSplit(s.t, s.y, breakCandidates(s.t, s.y, 'y'), 'free');
  report.accel = by.fit.accel;
  if (!(report.accel >= tol.gMin * GRAVITY && report.accel <= tol.gMax * GRAVITY)) {
    fail(
      report,
      `${s.name}: acceleration ${report.accel.toFixed(2)} px/tick² is not gravity (${GRAVITY} downwards)`,
      true,
    );
  }
  for (const [axis, b] of [
    ['x', bx],
    ['y', by],
  ] as const) {
    b.breaks.forEach((i, seg) => {
      const level = contactLevel(axis, b.fit, seg, s.t[i - 1], size, track.object.shape, geo);
      const v = collisionValid(b.fit, seg, s.t[i - 1], s.t[i], level, tol);
      report.collisions.push({ axis, frame: s.frames[i], valid: v.ok });
      const dir = axis === 'y' ? 'vertical' : 'horizontal';
      if (!v.ok) fail(report, `${s.name}: ${dir} reversal before frame ${s.frames[i]} ${v.why}`);
    });
  }
  const motion = track.object.motion;
  if (motion === 'bouncing' && !report.collisions.some((c) => c.axis === 'y' && c.valid)) {
    fail(report, `${s.name}: prompted bouncing but never bounces off the floor`, true);
  }
  const drop = s.y[s.y.length - 1] - s.y[0];
  if (motion === 'falling' && drop < 2)
    fail(report, `${s.name}: prompted falling but drops ${drop.toFixed(1)} px`, true);
  return [bx.fit, by.fit];
}

const AXIS_OF: Readonly<Record<string, [number, number]>> = Object.freeze({
  left: [-1, 0],
  right: [1, 0],
  up: [0, -1],
  down: [0, 1],
});

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}
