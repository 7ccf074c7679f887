/**
 * Seeded clip sampler: a prompt (1–2 objects, each with a motion) and initial conditions that make the prompt
 * visibly true, found by rejection against the gold simulation:
 * - moving left/right/up/down: speed 1–2.2 px/tick along the axis, the other component within ±30% of it, and no
 *   wall touched during the clip;
 * - falling: nearly at rest at the start (|v| ≤ 0.5), no collision during the clip;
 * - bouncing: at least one floor bounce, none off the top, every rebound ≥ 1 px/tick, and collisions at least two
 *   frame intervals apart and from the clip's ends (so each free-flight segment has ≥ 2 frames to be judged on).
 *   Half the bouncing objects are elastic (e = 1), half damped (e ∈ [0.6, 0.9]).
 * Two objects have different colours and never come close enough to touch.
 */
import type { Rng } from '../rng.js';
import { COLORS } from '../shapes/types.js';
import { movingPrompt, type MovingPrompt } from './grammar.js';
import { simulate, type Trajectory } from './physics.js';
import {
  DEFAULT_FRAMES,
  FRAME_SIZE,
  MOTIONS,
  MOVING_SHAPES,
  MOVING_SIZE_MAX,
  MOVING_SIZE_MIN,
  frameTime,
  type ClipSpec,
  type Motion,
  type MovingObject,
} from './types.js';

export interface MovingSampleOptions {
  frames: number;
  /** Probability of a two-object clip. */
  twoObjectProb: number;
  motions: readonly Motion[];
}

export const DEFAULT_MOVING_SAMPLE: Readonly<MovingSampleOptions> = Object.freeze({
  frames: DEFAULT_FRAMES,
  twoObjectProb: 0.3,
  motions: MOTIONS,
});

export interface MovingSample {
  prompt: MovingPrompt;
  clip: ClipSpec;
  trajectories: Trajectory[];
}

const MAX_TRIES = 2000;

export function sampleMovingClip(rng: Rng, opts: Partial<MovingSampleOptions> = {}): MovingSample {
  const o = { ...DEFAULT_MOVING_SAMPLE, ...opts };
  if (!Number.isInteger(o.frames) || o.frames < 4 || o.frames > 64) {
    throw new Error(`refract moving-shapes: frames must be an integer in [4, 64], got ${o.frames}`);
  }
  if (o.motions.length === 0) throw new Error('refract moving-shapes: motions must list at least one motion, got []');
  const count = rng.uniform() < o.twoObjectProb ? 2 : 1;
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const colors = rng.shuffle([...COLORS]).slice(0, count);
    const objects: MovingObject[] = [];
    const trajectories: Trajectory[] = [];
    for (const color of colors) {
      const { object, trajectory } = sampleObject(rng, color, rng.choice(o.motions), o.frames);
      objects.push(object);
      trajectories.push(trajectory);
    }
    if (count === 2 && !apart(objects, trajectories)) continue;
    const clip: ClipSpec = { width: FRAME_SIZE, height: FRAME_SIZE, frames: o.frames, objects };
    return { prompt: movingPrompt(objects), clip, trajectories };
  }
  throw new Error(
    `refract moving-shapes: found no two-object layout in ${MAX_TRIES} tries — use fewer frames or one object`,
  );
}

/** One object of the given colour and motion whose simulated trajectory satisfies the motion's constraints. */
export function sampleObject(
  rng: Rng,
  color: MovingObject['color'],
  motion: Motion,
  frames: number,
): { object: MovingObject; trajectory: Trajectory } {
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const size = rng.range(MOVING_SIZE_MIN, MOVING_SIZE_MAX);
    const object: MovingObject = {
      shape: rng.choice(MOVING_SHAPES),
      color,
      size,
      motion,
      x0: rng.range(size, FRAME_SIZE - size),
      y0: rng.range(size, FRAME_SIZE - size),
      vx: 0,
      vy: 0,
      restitution: 1,
    };
    initialVelocity(rng, object);
    const trajectory = simulate(object, frames, FRAME_SIZE, FRAME_SIZE);
    if (acceptable(object, trajectory, frames)) return { object, trajectory };
  }
  throw new Error(`refract moving-shapes: found no '${motion}' trajectory in ${MAX_TRIES} tries with ${frames} frames`);
}

function initialVelocity(rng: Rng, o: MovingObject): void {
  const speed = rng.range(1, 2.2);
  const side = rng.range(-0.3, 0.3) * speed;
  switch (o.motion) {
    case 'left':
    case 'right':
      [o.vx, o.vy] = [o.motion === 'right' ? speed : -speed, side];
      return;
    case 'up':
    case 'down':
      [o.vx, o.vy] = [side, o.motion === 'down' ? speed : -speed];
      return;
    case 'falling':
      [o.vx, o.vy] = [rng.range(-0.5, 0.5), rng.range(-0.5, 0.5)];
      return;
    case 'bouncing':
      [o.vx, o.vy] = [rng.range(-1.5, 1.5), rng.range(-1.5, 1.5)];
      o.y0 = rng.range(o.size, FRAME_SIZE / 2);
      o.restitution = rng.uniform() < 0.5 ? 1 : rng.range(0.6, 0.9);
      return;
  }
}

function acceptable(o: MovingObject, tr: Trajectory, frames: number): boolean {
  if (o.motion !== 'bouncing') return tr.collisions.length === 0;
  const floor = tr.collisions.filter((c) => c.wall === 'floor');
  if (floor.length === 0 || tr.collisions.some((c) => c.wall === 'top' || c.speedOut < 1)) return false;
  // Collisions ≥ 2 frame intervals apart and from both ends: every free-flight segment keeps ≥ 2 frames.
  const dt = frameTime(1, frames);
  const times = [0, ...tr.collisions.map((c) => c.t), frameTime(frames - 1, frames)];
  for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] < 2 * dt) return false;
  return true;
}

/** Whether two objects stay clear of each other in every frame (bounding circles plus a 1-px gap). */
function apart(objects: readonly MovingObject[], tr: readonly Trajectory[]): boolean {
  const reach = (o: MovingObject): number => o.size * Math.SQRT2;
  const minGap = reach(objects[0]) + reach(objects[1]) + 1;
  for (let k = 0; k < tr[0].x.length; k++) {
    if (Math.hypot(tr[0].x[k] - tr[1].x[k], tr[0].y[k] - tr[1].y[k]) < minGap) return false;
  }
  return true;
}
