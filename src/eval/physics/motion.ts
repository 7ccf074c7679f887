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
import { bestSplit, breakCandidates, collisionValid, contactLevel } from './collisions.js';
import type { Track } from './track.js';

export interface MotionTolerances {
  /** Largest RMS and single-frame position residual, px. */
  maxRms: number;
  maxResidual: number;
  minSpeed: number;
  maxAngleDeg: number;
  gMin: number;
  gMax: number;
  maxContactGap: number;
  maxRestitution: number;
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

/** Frames where `track` is present; the analysis runs on these. */
function presentFrames(track: Track): number[] {
  return track.present.flatMap((p, k) => (p ? [k] : []));
}

export function analyzeMotion(
  track: Track,
  geo: Geometry,
  tol: Readonly<MotionTolerances> = DEFAULT_MOTION_TOLERANCES,
): MotionReport {
  const frames = presentFrames(track);
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
  const name = `${track.object.color} ${track.object.shape}`;
  if (frames.length < 3) {
    report.lawOk = false;
    report.reasons.push(`${name}: seen in ${frames.length} frames, too few to judge motion`);
    return report;
  }
  const t = frames.map((k) => geo.times[k]);
  const x = frames.map((k) => track.cx[k]);
  const y = frames.map((k) => track.cy[k]);
  const motion = track.object.motion;
  let fx: PiecewiseFit;
  let fy: PiecewiseFit;
  if (lawOf(motion) === 'constant') {
    fx = fitPiecewise(
      t,
      x,
      t.map(() => 0),
      0,
    );
    fy = fitPiecewise(
      t,
      y,
      t.map(() => 0),
      0,
    );
    report.velocity = [fx.b[0], fy.b[0]];
    checkDirection(report, name, motion, tol);
  } else {
    const size = median(frames.map((k) => track.size[k]));
    const shape = track.object.shape;
    const best = (axis: 'x' | 'y'): { fit: PiecewiseFit; breaks: number[] } =>
      bestSplit(t, axis === 'x' ? x : y, breakCandidates(t, axis === 'x' ? x : y, axis), axis === 'y' ? 'free' : 0);
    const bx = best('x');
    const by = best('y');
    [fx, fy] = [bx.fit, by.fit];
    report.accel = fy.accel;
    if (!(fy.accel >= tol.gMin * GRAVITY && fy.accel <= tol.gMax * GRAVITY)) {
      report.lawOk = false;
      report.reasons.push(
        `${name}: acceleration ${fy.accel.toFixed(2)} px/tick² is not gravity (${GRAVITY} downwards)`,
      );
    }
    for (const [axis, b] of [
      ['x', bx],
      ['y', by],
    ] as const) {
      b.breaks.forEach((i, seg) => {
        const level = contactLevel(axis, b.fit, seg, t[i - 1], size, shape, geo);
        const v = collisionValid(b.fit, seg, t[i - 1], t[i], level, tol);
        report.collisions.push({ axis, frame: frames[i], valid: v.ok });
        if (!v.ok)
          report.reasons.push(
            `${name}: ${axis === 'y' ? 'vertical' : 'horizontal'} reversal before frame ${frames[i]} ${v.why}`,
          );
      });
    }
    if (motion === 'bouncing' && !report.collisions.some((c) => c.axis === 'y' && c.valid)) {
      report.lawOk = false;
      report.reasons.push(`${name}: prompted bouncing but never bounces off the floor`);
    }
    if (motion === 'falling' && y[y.length - 1] - y[0] < 2) {
      report.lawOk = false;
      report.reasons.push(`${name}: prompted falling but drops ${(y[y.length - 1] - y[0]).toFixed(1)} px`);
    }
  }
  frames.forEach((k, i) => (report.residual[k] = Math.hypot(fx.residuals[i], fy.residuals[i])));
  const res = frames.map((k) => report.residual[k]);
  const rms = Math.sqrt(res.reduce((s, r) => s + r * r, 0) / res.length);
  const worst = Math.max(...res);
  if (rms > tol.maxRms || worst > tol.maxResidual) {
    report.reasons.push(
      `${name}: track departs from ${lawOf(motion)} motion (rms ${rms.toFixed(2)} px, worst ${worst.toFixed(2)} px)`,
    );
  }
  report.ok = report.reasons.length === 0;
  return report;
}

const AXIS_OF: Readonly<Record<string, [number, number]>> = Object.freeze({
  left: [-1, 0],
  right: [1, 0],
  up: [0, -1],
  down: [0, 1],
});

function checkDirection(report: MotionReport, name: string, motion: string, tol: Readonly<MotionTolerances>): void {
  const [vx, vy] = report.velocity;
  const speed = Math.hypot(vx, vy);
  const [ax, ay] = AXIS_OF[motion];
  if (speed < tol.minSpeed) {
    report.lawOk = false;
    report.reasons.push(
      `${name}: prompted moving ${motion} but moves ${speed.toFixed(2)} px/tick (min ${tol.minSpeed})`,
    );
    return;
  }
  const angle = (Math.acos(Math.max(-1, Math.min(1, (vx * ax + vy * ay) / speed))) * 180) / Math.PI;
  if (angle > tol.maxAngleDeg) {
    report.lawOk = false;
    report.reasons.push(`${name}: prompted moving ${motion} but heads ${angle.toFixed(0)}° away`);
  }
}

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}
