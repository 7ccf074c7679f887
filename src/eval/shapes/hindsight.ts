/**
 * Hindsight relabelling (Andrychowicz et al., "Hindsight Experience Replay", arXiv 1707.01495): a sample that
 * missed its goal is a correct example of the goal it did reach. Here: an image generated for "a circle to the left
 * of a square" that shows the circle *above* the square is a correct image of "a circle above a square"; one
 * generated for "a red circle and a blue square" that shows a blue circle and a red square is a correct image of
 * that prompt. Paired with the original prompt's low reward, the same image is then a negative for the prompt it
 * was asked for and a positive for the one it shows — a contrast on exactly the relation or binding words, the two
 * categories a group-relative reward moves least (issue #10: position and color_attr hold every recipe below 90%).
 *
 * Only the categories whose failures are *re-describable* are relabelled: position (the relation the two detected
 * objects stand in) and color_attr (the colours the two detected shapes carry). The relabelled prompt is built from
 * the detections alone and kept only when the gold evaluator in strict mode passes the image for it — so a relabel
 * is never a guess, and an image with anything extra, unknown or missing is never relabelled.
 */
import { makePrompt } from '../../data/shapes/grammar.js';
import { RELATIONS, type Color, type PromptObject, type Shape, type ShapesPrompt } from '../../data/shapes/types.js';
import type { DetectedObject } from './detect.js';
import { DEFAULT_GOLD_OPTIONS, judgeDetections, type GoldOptions } from './gold.js';
import { relativePosition } from './relation.js';

/** The categories `hindsightPrompt` can relabel. */
export const HINDSIGHT_CATEGORIES = ['position', 'color_attr'] as const;

type Known = DetectedObject & { shape: Shape; color: Color };

/** The two detections in the prompt's object order when one carries the prompt's first shape, else as detected. */
function inPromptOrder(prompt: ShapesPrompt, pair: readonly [Known, Known]): [Known, Known] {
  const [a, b] = pair;
  return b.shape === prompt.objects[0]!.shape ? [b, a] : [a, b];
}

/** The prompt of `prompt`'s category that the two detections describe, or null when they describe none. */
function describe(prompt: ShapesPrompt, [a, b]: [Known, Known], o: GoldOptions): ShapesPrompt | null {
  if (a.shape === b.shape) return null; // the grammar's two-object prompts name two different shapes
  if (prompt.category === 'color_attr') {
    if (a.color === b.color) return null;
    const objects: PromptObject[] = [a, b].map((d) => ({ shape: d.shape, color: d.color, count: 1 }));
    return makePrompt('color_attr', objects);
  }
  // position: the first relation (in RELATIONS' order) a stands in to b; none when they do not clear each other
  const held = relativePosition(a.box, b.box, o.positionThreshold);
  const relation = RELATIONS.find((r) => held.has(r));
  if (relation === undefined) return null;
  return makePrompt('position', [a, b].map((d) => ({ shape: d.shape, count: 1 })), relation);
}

/**
 * The prompt `detected` satisfies in place of `prompt`, or null: null when the category is not relabelled, when the
 * image already satisfies `prompt`, when it does not show exactly two known objects, or when the description fails
 * the strict gold judgement (the same rules that score it).
 */
export function hindsightPrompt(
  prompt: ShapesPrompt,
  detected: readonly DetectedObject[],
  opts: Partial<GoldOptions> = {},
): ShapesPrompt | null {
  if (!(HINDSIGHT_CATEGORIES as readonly string[]).includes(prompt.category)) return null;
  const o: GoldOptions = { ...DEFAULT_GOLD_OPTIONS, ...opts, mode: 'strict' };
  if (judgeDetections(prompt, detected, o).ok) return null;
  const known = detected.filter((d): d is Known => d.shape !== 'unknown' && d.color !== 'unknown');
  if (detected.length !== 2 || known.length !== 2) return null;
  const relabelled = describe(prompt, inPromptOrder(prompt, [known[0]!, known[1]!]), o);
  if (relabelled === null || relabelled.text === prompt.text) return null;
  return judgeDetections(relabelled, detected, o).ok ? relabelled : null;
}
