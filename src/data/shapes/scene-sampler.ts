/**
 * Draws a scene that satisfies a prompt by construction.
 *
 * Choices (the gold evaluator relies on them only through the prompt's own rules):
 * - the scene holds exactly the objects the prompt names — counting draws exactly N of the shape and nothing
 *   else, single_object/colors draw one object — so a rendered scene is also correct under the strict rules;
 * - attributes the prompt leaves open (colours, sizes, positions) are random; random colours skip held-out
 *   colour–shape pairs, so pretraining never shows them;
 * - object boxes keep a gap of ≥ 2 px, so every object is its own connected component;
 * - position scenes separate the two boxes along the stated axis and keep the cross-axis offset at most half
 *   the main-axis offset: GenEval's relative_position then reports the relation with margin.
 */
import type { Rng } from '../rng.js';
import { isHeldOutColorShape, type HeldOutSpec } from './held-out.js';
import {
  COLORS,
  IMAGE_SIZE,
  SIZE_MAX,
  SIZE_MIN,
  objectBox,
  type Color,
  type Relation,
  type Scene,
  type SceneObject,
  type Shape,
  type ShapesPrompt,
} from './types.js';

export interface SceneSamplerOptions {
  /** Random (unnamed) colours avoid these colour–shape pairs; null draws from every colour. */
  heldOut: Readonly<HeldOutSpec> | null;
  width: number;
  height: number;
  /** Minimum empty pixels between two object boxes. */
  gap: number;
  /** Minimum distance from an object box to the image border. */
  edgeMargin: number;
}

export const DEFAULT_SCENE_SAMPLER_OPTIONS: Readonly<SceneSamplerOptions> = Object.freeze({
  heldOut: null,
  width: IMAGE_SIZE,
  height: IMAGE_SIZE,
  gap: 2,
  edgeMargin: 1,
});

/** Largest half-extent by object count: four 13 px boxes cannot be placed at random in 32 px often enough. */
function maxSizeFor(n: number): number {
  return n <= 2 ? SIZE_MAX : n === 3 ? 6 : 5.5;
}

function randomColor(rng: Rng, shape: Shape, heldOut: Readonly<HeldOutSpec> | null): Color {
  const allowed = heldOut ? COLORS.filter((c) => !isHeldOutColorShape(heldOut, shape, c)) : COLORS;
  return rng.choice(allowed);
}

/** The shapes and colours to draw, in prompt order (colour named by the prompt, else random). */
function objectsToDraw(prompt: ShapesPrompt, rng: Rng, heldOut: Readonly<HeldOutSpec> | null): { shape: Shape; color: Color }[] {
  const out: { shape: Shape; color: Color }[] = [];
  for (const o of prompt.objects) {
    for (let k = 0; k < o.count; k++) out.push({ shape: o.shape, color: o.color ?? randomColor(rng, o.shape, heldOut) });
  }
  return out;
}

function boxesApart(a: SceneObject, b: SceneObject, gap: number): boolean {
  const [ax0, ay0, ax1, ay1] = objectBox(a);
  const [bx0, by0, bx1, by1] = objectBox(b);
  return ax1 + gap <= bx0 || bx1 + gap <= ax0 || ay1 + gap <= by0 || by1 + gap <= ay0;
}

/** "a <relation> b" with the margins described in the file comment (y grows downwards). */
export function relationHoldsWithMargin(a: SceneObject, b: SceneObject, relation: Relation, gap: number): boolean {
  const horizontal = relation === 'left of' || relation === 'right of';
  // Orient so that `first` must be left of / above `second`.
  const [first, second] = relation === 'left of' || relation === 'above' ? [a, b] : [b, a];
  const [f, s] = [objectBox(first), objectBox(second)];
  const separated = horizontal ? f[2] + gap <= s[0] : f[3] + gap <= s[1];
  const main = horizontal ? second.cx - first.cx : second.cy - first.cy;
  const cross = horizontal ? second.cy - first.cy : second.cx - first.cx;
  return separated && Math.abs(cross) <= 0.5 * main;
}

const TRIES_PER_OBJECT = 200;
const MAX_RESTARTS = 100;

/** One attempt at placing all objects; null when some object found no free spot. */
function tryPlace(
  todo: readonly { shape: Shape; color: Color }[],
  rng: Rng,
  opts: Readonly<SceneSamplerOptions>,
  sizeMax: number,
  relation: Relation | undefined,
): SceneObject[] | null {
  const placed: SceneObject[] = [];
  for (const { shape, color } of todo) {
    const size = rng.range(SIZE_MIN, sizeMax);
    const lo = size + opts.edgeMargin;
    let ok = false;
    for (let t = 0; t < TRIES_PER_OBJECT && !ok; t++) {
      const cand: SceneObject = {
        shape,
        color,
        cx: rng.range(lo, opts.width - lo),
        cy: rng.range(lo, opts.height - lo),
        size,
      };
      ok = placed.every((p) => boxesApart(p, cand, opts.gap));
      if (ok && relation !== undefined && placed.length === 1) {
        ok = relationHoldsWithMargin(placed[0]!, cand, relation, opts.gap);
      }
      if (ok) placed.push(cand);
    }
    if (!ok) return null;
  }
  return placed;
}

/** A scene satisfying `prompt`; deterministic given the rng state. */
export function sampleScene(prompt: ShapesPrompt, rng: Rng, opts: Partial<SceneSamplerOptions> = {}): Scene {
  const o = { ...DEFAULT_SCENE_SAMPLER_OPTIONS, ...opts };
  const todo = objectsToDraw(prompt, rng, o.heldOut);
  let sizeMax = maxSizeFor(todo.length);
  for (let restart = 0; restart < MAX_RESTARTS; restart++) {
    // Shrink the size ceiling every 10 failed restarts (only matters for crowded scenes on small canvases).
    if (restart > 0 && restart % 10 === 0) sizeMax = Math.max(SIZE_MIN + 0.1, sizeMax - 0.5);
    const objects = tryPlace(todo, rng, o, sizeMax, prompt.relation);
    if (objects) return { width: o.width, height: o.height, objects };
  }
  throw new Error(
    `refract shapes: scene for "${prompt.text}" must fit in ${o.width}×${o.height}, got no placement after ` +
      `${MAX_RESTARTS} restarts — use a larger canvas or a smaller gap`,
  );
}
