/**
 * Prompt grammar of the moving-shapes world: one phrase per object, joined by "and".
 *
 *   phrase  := "a" colour shape verb
 *   verb    := "moving left" | "moving right" | "moving up" | "moving down" | "bouncing" | "falling"
 *
 * e.g. "a red circle bouncing", "a blue square moving right and a green triangle falling". The text is always
 * generated from structure; parseMovingPrompt inverts it exactly.
 */
import { COLORS, type Color } from '../shapes/types.js';
import { MOTIONS, MOVING_SHAPES, type Motion, type MovingShape } from './types.js';
import { quoteValue } from '../../config/errors.js';

export interface MovingPromptObject {
  shape: MovingShape;
  color: Color;
  motion: Motion;
}

export interface MovingPrompt {
  text: string;
  objects: MovingPromptObject[];
}

export function motionPhrase(m: Motion): string {
  return m === 'bouncing' || m === 'falling' ? m : `moving ${m}`;
}

export function movingPrompt(objects: readonly MovingPromptObject[]): MovingPrompt {
  if (objects.length < 1 || objects.length > 2) {
    throw new Error(`refract moving-shapes: a prompt must have 1 or 2 objects, got ${objects.length}`);
  }
  const text = objects.map((o) => `a ${o.color} ${o.shape} ${motionPhrase(o.motion)}`).join(' and ');
  return { text, objects: objects.map((o) => ({ shape: o.shape, color: o.color, motion: o.motion })) };
}

const PHRASE = new RegExp(
  `^an? (${COLORS.join('|')}) (${MOVING_SHAPES.join('|')}) (moving (?:left|right|up|down)|bouncing|falling)$`,
);

/** Parses a prompt produced by movingPrompt (case and extra spaces tolerated). */
export function parseMovingPrompt(text: string): MovingPrompt {
  const parts = text.trim().toLowerCase().replace(/\s+/g, ' ').split(' and ');
  const objects = parts.map((p) => {
    const m = PHRASE.exec(p);
    if (!m) {
      throw new Error(
        `refract moving-shapes: each phrase must read 'a <colour> <circle|square|triangle> <moving left|right|up|down|` +
          `bouncing|falling>', got ${quoteValue(p)}`,
      );
    }
    const motion = m[3].replace('moving ', '') as Motion;
    if (!MOTIONS.includes(motion)) throw new Error(`refract moving-shapes: unknown motion ${m[3]}`);
    return { color: m[1] as Color, shape: m[2] as MovingShape, motion };
  });
  return movingPrompt(objects);
}
