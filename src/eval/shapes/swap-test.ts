// The swap test of issue #10: does the model bind a relation to the words' order, or only to the words? For each
// ShapesEval `position` prompt "a A <rel> a B" it also samples the swapped prompt "a B <rel> a A" from the same
// initial noise (same seed). A model that reads the relation puts A and B on opposite sides in the two images —
// mirrored layouts; a model that ignores word order draws the same layout twice. Same-seed pairs remove the noise's
// own layout preference from the comparison, so the "mirrored" rate is about the prompt alone.
import { makePrompt } from '../../data/shapes/grammar.js';
import type { Relation, ShapesPrompt } from '../../data/shapes/types.js';
import type { RGBImage } from '../../data/image.js';
import { generateImages, DEFAULT_EVAL_SAMPLING, type FlowSamplingOptions, type PromptModel } from '../../pipeline/text-to-image.js';
import { evaluatePrompt, type GoldResult } from './gold.js';
import { shapesEvalPrompts } from './shapes-eval.js';

/** "a A rel a B" → "a B rel a A": the same relation with subject and object exchanged. */
export function swapSubjects(p: ShapesPrompt): ShapesPrompt {
  if (p.category !== 'position' || p.relation === undefined || p.objects.length !== 2) {
    throw new Error(`refract eval swap: prompt must be a position prompt with two objects, got "${p.text}"`);
  }
  return makePrompt('position', [p.objects[1]!, p.objects[0]!], p.relation);
}

/** Signed offset of the subject from the object along the relation's axis (x for left/right, y for above/below). */
function axisOffset(g: GoldResult, p: ShapesPrompt): number | null {
  const find = (i: number) => g.detected.find((d) => d.shape === p.objects[i]!.shape);
  const a = find(0);
  const b = find(1);
  if (a === undefined || b === undefined || a === b) return null;
  const horizontal: readonly Relation[] = ['left of', 'right of'];
  return horizontal.includes(p.relation!) ? a.centroidX - b.centroidX : a.centroidY - b.centroidY;
}

export interface SwapPairVerdict {
  /** Gold verdicts of the prompt and of its swap. */
  original: boolean;
  swapped: boolean;
  /** Both subjects found in both images and the subject–object offset changed sign: the layout mirrored. */
  mirrored: boolean;
}

/** Judges one same-seed pair. `mirrored` compares where the same two shapes sit; it needs no colours. */
export function judgeSwapPair(p: ShapesPrompt, a: RGBImage, b: RGBImage): SwapPairVerdict {
  const q = swapSubjects(p);
  const ga = evaluatePrompt(p, a);
  const gb = evaluatePrompt(q, b);
  const da = axisOffset(ga, p);
  const db = axisOffset(gb, p); // the same two shapes, in the original roles: a mirror flips the sign
  const mirrored = da !== null && db !== null && Math.sign(da) !== 0 && Math.sign(da) === -Math.sign(db);
  return { original: ga.ok, swapped: gb.ok, mirrored };
}

export interface SwapTestResult {
  n: number;
  /** Fraction of pairs whose layouts mirrored. */
  mirrored: number;
  /** Fraction of pairs where the prompt and its swap both pass gold. */
  bothCorrect: number;
  /** Gold accuracy over all 2n images. */
  accuracy: number;
  /** The pairs whose shapes are the same kind (e.g. "a circle left of a circle") are skipped: no order to test. */
  skipped: number;
}

export function summariseSwapTest(v: readonly SwapPairVerdict[], skipped: number): SwapTestResult {
  const n = v.length;
  const frac = (f: (x: SwapPairVerdict) => number): number => (n === 0 ? NaN : v.reduce((s, x) => s + f(x), 0) / n);
  return {
    n,
    mirrored: frac((x) => Number(x.mirrored)),
    bothCorrect: frac((x) => Number(x.original && x.swapped)),
    accuracy: frac((x) => (Number(x.original) + Number(x.swapped)) / 2),
    skipped,
  };
}

/** Runs the swap test on the first `perCategory` ShapesEval position prompts with the evaluation's sampler. */
export function runSwapTest(
  model: PromptModel,
  o: { perCategory: number; samplingSeed?: number; sampling?: FlowSamplingOptions },
): SwapTestResult {
  const set = shapesEvalPrompts({ perCategory: o.perCategory }).prompts.filter((p) => p.category === 'position');
  const pairs = set.filter((p) => p.objects[0]!.shape !== p.objects[1]!.shape);
  const seeds = pairs.map((p) => (o.samplingSeed ?? 0) * 1_000_003 + p.index * 16);
  const sampling = { ...(o.sampling ?? DEFAULT_EVAL_SAMPLING), seeds };
  const a = generateImages(model, pairs.map((p) => p.text), sampling);
  const b = generateImages(model, pairs.map((p) => swapSubjects(p).text), sampling);
  const verdicts = pairs.map((p, i) => judgeSwapPair(p, a[i]!, b[i]!));
  return summariseSwapTest(verdicts, set.length - pairs.length);
}
