// Where a model fails, not just how often: per ShapesEval category, how many images fail each kind of requirement
// (gold.ts FailureKind). Session 10's diagnosis is the use: RL on the shipped base fixed "missing" on position
// prompts (67 → 17 of 240 images) but barely moved "wrong_relation" (70 → 61) — a different problem from the one
// its reward mostly paid for.
import type { RGBImage } from '../../data/image.js';
import { CATEGORIES, type Category } from '../../data/shapes/types.js';
import { FAILURE_KINDS, evaluatePrompt, type FailureKind, type GoldOptions } from './gold.js';
import type { ShapesEvalSet } from './shapes-eval.js';

export interface CategoryFailures {
  /** Images judged. */
  images: number;
  /** Images that follow their prompt. */
  correct: number;
  /** Per kind, the images failing at least one requirement of that kind (an image can count under several). */
  kinds: Record<FailureKind, number>;
}

/** Failure kinds per category over `images[i]` (the images of `set.prompts[i]`); categories without images omitted. */
export function failureBreakdown(
  set: ShapesEvalSet,
  images: readonly (readonly RGBImage[])[],
  gold: Partial<GoldOptions> = {},
): Partial<Record<Category, CategoryFailures>> {
  const out: Partial<Record<Category, CategoryFailures>> = {};
  set.prompts.forEach((p, i) => {
    const c = (out[p.category] ??= { images: 0, correct: 0, kinds: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<FailureKind, number> });
    for (const img of images[i] ?? []) {
      const j = evaluatePrompt(p, img, gold);
      c.images++;
      if (j.ok) c.correct++;
      for (const k of new Set(j.kinds)) c.kinds[k]++;
    }
  });
  return Object.fromEntries(CATEGORIES.filter((c) => out[c] !== undefined).map((c) => [c, out[c]!]));
}
