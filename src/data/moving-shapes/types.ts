/**
 * The moving-shapes world (DESIGN §4, video): short clips of one or two coloured shapes on black, moving under
 * gold physics, so temporal consistency and physical plausibility have exact answers.
 *
 * Physics lives in continuous time measured in ticks. A clip always spans CLIP_TICKS ticks, whatever its frame
 * count: frame k is at t = k·CLIP_TICKS/(F − 1). More frames therefore mean a higher frame rate of the same
 * motion, so one gravity constant and one set of speeds serve 8- and 16-frame clips alike.
 *
 * Laws (the prompt's verb picks one):
 * - constant velocity ("moving left/right/up/down"): x(t) = x0 + vx·t, no walls touched;
 * - gravity ("bouncing", "falling"): ÿ = GRAVITY (y grows downwards), ẋ constant; the frame's four sides are walls,
 *   and a collision reflects the normal velocity scaled by the restitution e (1 = elastic, < 1 = damped).
 */
import type { Color, Shape } from '../shapes/types.js';

/** Frame side in pixels (the shapes world's 32×32). */
export const FRAME_SIZE = 32;

/** Duration of every clip in ticks (frame count only changes the sampling rate). */
export const CLIP_TICKS = 7;

/** Default frame count: 8 frames ⇒ one frame per tick. */
export const DEFAULT_FRAMES = 8;

/** Gravitational acceleration in px/tick², downwards. */
export const GRAVITY = 0.5;

/** Shapes that move: those whose identity survives 3–5 px sizes (the cross does not). */
export const MOVING_SHAPES = ['circle', 'square', 'triangle'] as const satisfies readonly Shape[];
export type MovingShape = (typeof MOVING_SHAPES)[number];

/** Half-extent range in pixels (smaller than the still-image world: objects need room to move). */
export const MOVING_SIZE_MIN = 3;
export const MOVING_SIZE_MAX = 4.5;

export const MOTIONS = ['left', 'right', 'up', 'down', 'bouncing', 'falling'] as const;
export type Motion = (typeof MOTIONS)[number];

export type Law = 'constant' | 'gravity';

/** The law a prompted motion implies. */
export function lawOf(motion: Motion): Law {
  return motion === 'bouncing' || motion === 'falling' ? 'gravity' : 'constant';
}

/** One object's initial state and physics; positions are the centre of its box (shapes-world convention). */
export interface MovingObject {
  shape: MovingShape;
  color: Color;
  /** Half-extent in pixels. */
  size: number;
  motion: Motion;
  x0: number;
  y0: number;
  /** Initial velocity in px/tick. */
  vx: number;
  vy: number;
  /** Coefficient of restitution for wall collisions, in (0, 1]. */
  restitution: number;
}

export interface ClipSpec {
  width: number;
  height: number;
  frames: number;
  objects: MovingObject[];
}

/** Frame k's time in ticks. */
export function frameTime(k: number, frames: number): number {
  return frames <= 1 ? 0 : (k * CLIP_TICKS) / (frames - 1);
}

/** Distance from a shape's pixel centroid down to its lowest point, in half-extents (triangles sit low). */
export function centroidToBottom(shape: MovingShape): number {
  return shape === 'triangle' ? 2 / 3 : 1;
}

/** Offset of the pixel centroid below the box centre, in half-extents (the triangle's centroid is 1/3 down). */
export function centroidOffset(shape: MovingShape): number {
  return shape === 'triangle' ? 1 / 3 : 0;
}

/** Area in px² of a shape of half-extent s (square 4s², circle πs², triangle 2s²). */
export function shapeArea(shape: MovingShape, s: number): number {
  return shape === 'square' ? 4 * s * s : shape === 'circle' ? Math.PI * s * s : 2 * s * s;
}
