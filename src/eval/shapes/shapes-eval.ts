/**
 * ShapesEval: the GenEval analogue of the shapes world (DESIGN §4). A fixed, seeded prompt set — 120 prompts
 * in each of GenEval's six categories — scored by the gold evaluator on images a model generated for them.
 *
 * Scoring follows GenEval's summary_scores.py (djghosh13/geneval): a category's accuracy is the fraction of its
 * images judged correct, and `overall` is the unweighted mean of the category accuracies — so the 4-prompt
 * single_object category weighs as much as the 504-prompt color_attr one. Held-out prompts (DEFAULT_HELD_OUT)
 * are part of the set; they are tagged so reports can show the compositional gap separately.
 */
import type { RGBImage } from '../../data/image.js';
import { Rng } from '../../data/rng.js';
import { enumeratePrompts } from '../../data/shapes/grammar.js';
import { DEFAULT_HELD_OUT, isHeldOutPrompt, type HeldOutSpec } from '../../data/shapes/held-out.js';
import { CATEGORIES, type Category, type ShapesPrompt } from '../../data/shapes/types.js';
import { evaluatePrompt, type GoldOptions } from './gold.js';

export const SHAPES_EVAL_SEED = 2310;
export const SHAPES_EVAL_PER_CATEGORY = 120;
export const SHAPES_EVAL_SIZE = SHAPES_EVAL_PER_CATEGORY * CATEGORIES.length; // 720

export interface ShapesEvalPrompt extends ShapesPrompt {
  /** Position in the full set (stable across subsets). */
  index: number;
  /** Names a combination withheld from pretraining. */
  heldOut: boolean;
}

export interface ShapesEvalSet {
  seed: number;
  perCategory: number;
  prompts: ShapesEvalPrompt[];
}

export interface ShapesEvalOptions {
  /** Stratified subset: the first k prompts of each category (k ≤ 120). */
  perCategory: number;
  seed: number;
  heldOut: Readonly<HeldOutSpec>;
}

export const DEFAULT_SHAPES_EVAL_OPTIONS: Readonly<ShapesEvalOptions> = Object.freeze({
  perCategory: SHAPES_EVAL_PER_CATEGORY,
  seed: SHAPES_EVAL_SEED,
  heldOut: DEFAULT_HELD_OUT,
});

/**
 * The first `n` prompts of one category: passes over the category's distinct prompts, each pass freshly
 * shuffled, so every prefix is as balanced as its length allows (all distinct prompts appear before any repeats).
 */
function categoryPrompts(category: Category, n: number, rng: Rng): ShapesPrompt[] {
  const pool = enumeratePrompts(category);
  const out: ShapesPrompt[] = [];
  while (out.length < n) out.push(...rng.shuffle([...pool]));
  return out.slice(0, n);
}

/** The ShapesEval prompt set, category by category in GenEval's order. */
export function shapesEvalPrompts(opts: Partial<ShapesEvalOptions> = {}): ShapesEvalSet {
  const o = { ...DEFAULT_SHAPES_EVAL_OPTIONS, ...opts };
  if (!Number.isInteger(o.perCategory) || o.perCategory < 1 || o.perCategory > SHAPES_EVAL_PER_CATEGORY) {
    throw new Error(
      `refract shapes-eval: perCategory must be an integer in 1..${SHAPES_EVAL_PER_CATEGORY}, got ${o.perCategory}`,
    );
  }
  const root = new Rng(o.seed);
  const prompts: ShapesEvalPrompt[] = [];
  CATEGORIES.forEach((category, ci) => {
    // Always draw the full 120 so a subset is a prefix of the full set, not a different sample.
    const rng = root.fork();
    const full = categoryPrompts(category, SHAPES_EVAL_PER_CATEGORY, rng);
    full.slice(0, o.perCategory).forEach((p, k) => {
      prompts.push({
        ...p,
        objects: p.objects.map((x) => ({ ...x })),
        index: ci * SHAPES_EVAL_PER_CATEGORY + k,
        heldOut: isHeldOutPrompt(o.heldOut, p),
      });
    });
  });
  return { seed: o.seed, perCategory: o.perCategory, prompts };
}

export interface Accuracy {
  accuracy: number;
  /** Images scored. */
  n: number;
}

export interface ShapesEvalScore {
  /** Mean of the category accuracies (categories without images are left out). */
  overall: number;
  categories: Record<Category, number>;
  /** Images scored. */
  n: number;
  seed: number;
  /** Image-level accuracy on held-out and on in-distribution prompts. */
  heldOut: Accuracy;
  inDistribution: Accuracy;
  /** Per prompt (same order as the set), the fraction of its images judged correct; NaN without images. */
  perPrompt: number[];
}

function ratio(hit: number, n: number): Accuracy {
  return { accuracy: n > 0 ? hit / n : NaN, n };
}

/** Scores generated images: `images[i]` holds the images generated for `set.prompts[i]` (GenEval uses 4). */
export function scoreShapesEval(
  set: ShapesEvalSet,
  images: readonly (readonly RGBImage[])[],
  gold: Partial<GoldOptions> = {},
): ShapesEvalScore {
  if (images.length !== set.prompts.length) {
    throw new Error(
      `refract shapes-eval: images must hold one list per prompt (${set.prompts.length}), got ${images.length} — ` +
        'pass images[i] for set.prompts[i]',
    );
  }
  const cat = new Map<Category, { hit: number; n: number }>(CATEGORIES.map((c) => [c, { hit: 0, n: 0 }]));
  const split = { held: { hit: 0, n: 0 }, seen: { hit: 0, n: 0 } };
  const perPrompt = set.prompts.map((p, i) => {
    const hits = images[i].filter((img) => evaluatePrompt(p, img, gold).ok).length;
    const t = cat.get(p.category)!;
    const s = p.heldOut ? split.held : split.seen;
    t.hit += hits;
    t.n += images[i].length;
    s.hit += hits;
    s.n += images[i].length;
    return images[i].length > 0 ? hits / images[i].length : NaN;
  });
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, ratio(cat.get(c)!.hit, cat.get(c)!.n).accuracy])) as Record<Category, number>;
  const present = CATEGORIES.filter((c) => cat.get(c)!.n > 0).map((c) => categories[c]);
  return {
    overall: present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : NaN,
    categories,
    n: split.held.n + split.seen.n,
    seed: set.seed,
    heldOut: ratio(split.held.hit, split.held.n),
    inDistribution: ratio(split.seen.hit, split.seen.n),
    perPrompt,
  };
}
