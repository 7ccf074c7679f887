/**
 * Gold physics of the moving-shapes world: exact event-driven integration (no time step). Between collisions the
 * motion is closed-form — x(τ) = x + vx·τ, y(τ) = y + vy·τ + g·τ²/2 — so the simulator jumps from collision to
 * collision by solving for the first time the box touches a wall, reflects the normal velocity with restitution e,
 * and carries on. A damped bounce whose rebound speed falls below REST_SPEED leaves the object resting on the floor
 * (which also ends the Zeno cascade of ever-smaller bounces).
 */
import { GRAVITY, frameTime, lawOf, type ClipSpec, type MovingObject } from './types.js';

/** Rebound speed (px/tick) below which a floor bounce becomes rest. */
export const REST_SPEED = 1e-3;
const EPS = 1e-9;

export type Wall = 'left' | 'right' | 'top' | 'floor';

export interface Collision {
  /** Time in ticks. */
  t: number;
  wall: Wall;
  /** Normal speed just before and after (px/tick). */
  speedIn: number;
  speedOut: number;
}

export interface Trajectory {
  /** Box-centre positions per frame. */
  x: Float64Array;
  y: Float64Array;
  collisions: Collision[];
}

interface State {
  t: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  resting: boolean;
}

/**
 * Simulates one object over a clip of `frames` frames inside a width×height frame. `gravity` defaults to the
 * world's law for the object's motion; overriding it (e.g. −GRAVITY) makes deliberately wrong physics for tests.
 */
export function simulate(
  o: MovingObject,
  frames: number,
  width: number,
  height: number,
  gravity: number = lawOf(o.motion) === 'gravity' ? GRAVITY : 0,
): Trajectory {
  const g = gravity;
  const box = { xMin: o.size, xMax: width - o.size, yMin: o.size, yMax: height - o.size };
  const s: State = { t: 0, x: o.x0, y: o.y0, vx: o.vx, vy: o.vy, resting: false };
  const out: Trajectory = { x: new Float64Array(frames), y: new Float64Array(frames), collisions: [] };
  for (let k = 0; k < frames; k++) {
    advance(s, frameTime(k, frames) - s.t, g, o.restitution, box, out.collisions);
    out.x[k] = s.x;
    out.y[k] = s.y;
  }
  return out;
}

/** Trajectories of every object of a clip. */
export function simulateClip(clip: ClipSpec): Trajectory[] {
  return clip.objects.map((o) => simulate(o, clip.frames, clip.width, clip.height));
}

function advance(
  s: State,
  duration: number,
  g: number,
  e: number,
  box: { xMin: number; xMax: number; yMin: number; yMax: number },
  collisions: Collision[],
): void {
  let rem = duration;
  for (let iter = 0; iter < 256 && rem > EPS; iter++) {
    const tx = s.vx > 0 ? (box.xMax - s.x) / s.vx : s.vx < 0 ? (box.xMin - s.x) / s.vx : Infinity;
    const ay = s.resting ? 0 : g;
    const vy = s.resting ? 0 : s.vy;
    const tFloor = firstRoot(ay / 2, vy, s.y - box.yMax);
    const tTop = firstRoot(ay / 2, vy, s.y - box.yMin);
    const tau = Math.min(tx, tFloor, tTop, rem);
    s.x += s.vx * tau;
    s.y += vy * tau + (ay / 2) * tau * tau;
    s.vy = vy + ay * tau;
    s.t += tau;
    rem -= tau;
    if (tau === tx) {
      const wall: Wall = s.vx > 0 ? 'right' : 'left';
      s.x = s.vx > 0 ? box.xMax : box.xMin;
      collisions.push({ t: s.t, wall, speedIn: Math.abs(s.vx), speedOut: e * Math.abs(s.vx) });
      s.vx = -e * s.vx;
    } else if (tau === tFloor || tau === tTop) {
      const wall: Wall = tau === tFloor ? 'floor' : 'top';
      s.y = wall === 'floor' ? box.yMax : box.yMin;
      collisions.push({ t: s.t, wall, speedIn: Math.abs(s.vy), speedOut: e * Math.abs(s.vy) });
      s.vy = -e * s.vy;
      if (wall === 'floor' && Math.abs(s.vy) < REST_SPEED) {
        s.vy = 0;
        s.resting = true;
      }
    }
  }
}

/** Smallest τ > EPS with a·τ² + b·τ + c = 0 (Infinity if none). */
function firstRoot(a: number, b: number, c: number): number {
  const roots: number[] = [];
  if (Math.abs(a) < 1e-15) {
    if (b !== 0) roots.push(-c / b);
  } else {
    const disc = b * b - 4 * a * c;
    if (disc >= 0) {
      const r = Math.sqrt(disc);
      // Numerically stable pair (Numerical Recipes §5.6).
      const q = -0.5 * (b + Math.sign(b || 1) * r);
      roots.push(q / a);
      if (q !== 0) roots.push(c / q);
    }
  }
  let best = Infinity;
  for (const t of roots) if (t > EPS && t < best) best = t;
  return best;
}
