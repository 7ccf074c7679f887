/**
 * Vocabulary of the shapes world: shapes, colours, scenes and structured prompts.
 *
 * The world is closed on purpose: every attribute a prompt can name is drawn by code and recovered by the gold
 * evaluator (src/eval/shapes/gold.ts), so "did the image follow the prompt" has an exact answer — the GenEval
 * question (Ghosh et al., arXiv 2310.11513) without a learned detector in the loop.
 */

/** Image side in pixels (DESIGN §4: 32×32 RGB). */
export const IMAGE_SIZE = 32;

export const SHAPES = ['circle', 'square', 'triangle', 'cross'] as const;
export type Shape = (typeof SHAPES)[number];

export const SHAPE_PLURALS: Readonly<Record<Shape, string>> = Object.freeze({
  circle: 'circles',
  square: 'squares',
  triangle: 'triangles',
  cross: 'crosses',
});

export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'cyan', 'white'] as const;
export type Color = (typeof COLORS)[number];

export type RGB = readonly [number, number, number];

/**
 * Seven corners of the RGB cube: every pair is at least 1.0 apart (Euclidean), and every colour is at least 1.0
 * from the black background, so nearest-colour classification survives heavy noise and anti-aliased edges.
 * "purple" is therefore rendered as magenta (1, 0, 1); the name follows GenEval's colour list.
 */
export const PALETTE: Readonly<Record<Color, RGB>> = Object.freeze({
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  yellow: [1, 1, 0],
  purple: [1, 0, 1],
  cyan: [0, 1, 1],
  white: [1, 1, 1],
});

/** Fixed black background: the evaluator separates objects from it by brightness alone. */
export const BACKGROUND: RGB = [0, 0, 0];

/** Half-extent range in pixels: each shape fills a square box of side 2·size centred on (cx, cy). */
export const SIZE_MIN = 4;
export const SIZE_MAX = 7;

/** Cross arm half-thickness as a fraction of the half-extent (arms 0.8·size wide: still ≥ 3 px at size 4). */
export const CROSS_ARM = 0.4;

export interface SceneObject {
  shape: Shape;
  color: Color;
  /** Centre of the object's box, in pixel coordinates (pixel (x, y) spans [x, x+1)×[y, y+1)). */
  cx: number;
  cy: number;
  /** Half-extent in pixels: the object's box is [cx−size, cx+size]×[cy−size, cy+size]. */
  size: number;
}

export interface Scene {
  width: number;
  height: number;
  objects: SceneObject[];
}

/** Axis-aligned box [x0, y0, x1, y1] in continuous pixel coordinates (x1, y1 exclusive edges). */
export type Box = readonly [number, number, number, number];

/** The geometric box of an object: every shape in this world touches all four sides of it. */
export function objectBox(o: SceneObject): Box {
  return [o.cx - o.size, o.cy - o.size, o.cx + o.size, o.cy + o.size];
}

/** GenEval's six task categories, in GenEval's order. */
export const CATEGORIES = ['single_object', 'two_objects', 'counting', 'colors', 'position', 'color_attr'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Spatial relations, read "objects[0] <relation> objects[1]" (GenEval's phrasing). */
export const RELATIONS = ['left of', 'right of', 'above', 'below'] as const;
export type Relation = (typeof RELATIONS)[number];

/** The converse relation: "A left of B" ⇔ "B right of A". */
export const CONVERSE: Readonly<Record<Relation, Relation>> = Object.freeze({
  'left of': 'right of',
  'right of': 'left of',
  above: 'below',
  below: 'above',
});

export interface PromptObject {
  shape: Shape;
  /** Absent: the prompt does not constrain colour. */
  color?: Color;
  /** How many the prompt asks for (1 unless the category is counting). */
  count: number;
}

/** A prompt as structure; `text` is always generated from the structure (src/data/shapes/grammar.ts). */
export interface ShapesPrompt {
  category: Category;
  text: string;
  objects: PromptObject[];
  /** Only for `position`: objects[0] stands in this relation to objects[1]. */
  relation?: Relation;
}

export const COUNT_WORDS = ['one', 'two', 'three', 'four'] as const;
export const MAX_COUNT = COUNT_WORDS.length;
