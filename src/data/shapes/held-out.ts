/**
 * Attribute combinations withheld from pretraining, so the base model has real compositional gaps for RL to
 * close (DESIGN §4). ShapesEval keeps every combination; `isHeldOutPrompt` lets reports split in-distribution
 * from held-out accuracy.
 */
import { CONVERSE, type Color, type Relation, type Shape, type ShapesPrompt } from './types.js';

export interface HeldOutSpec {
  /** Never named in a prompt and never rendered in a pretraining image (random colours avoid them too). */
  colorShape: readonly { shape: Shape; color: Color }[];
  /**
   * Never asked for in a `position` prompt, in either phrasing ("A above B" and its converse "B below A").
   * Scenes of other categories may still show the arrangement by chance: the gap is binding the words to it.
   */
  relations: readonly { subject: Shape; relation: Relation; object: Shape }[];
  /** Never asked for in a `counting` prompt; no other category draws more than two objects, so never drawn. */
  counts: readonly { shape: Shape; count: number }[];
}

/**
 * One held-out colour per shape (each colour at most once), one vertical and one horizontal relation pair, and
 * one interior count — so every held-out prompt is a recombination of attributes the model has seen elsewhere.
 */
export const DEFAULT_HELD_OUT: Readonly<HeldOutSpec> = Object.freeze({
  colorShape: Object.freeze([
    { shape: 'triangle', color: 'purple' },
    { shape: 'square', color: 'green' },
    { shape: 'circle', color: 'yellow' },
    { shape: 'cross', color: 'cyan' },
  ] as const),
  relations: Object.freeze([
    { subject: 'square', relation: 'above', object: 'triangle' },
    { subject: 'circle', relation: 'left of', object: 'cross' },
  ] as const),
  counts: Object.freeze([{ shape: 'triangle', count: 3 }] as const),
});

/** Nothing held out: the spec for fine-tuning on everything or for evaluation data. */
export const NO_HELD_OUT: Readonly<HeldOutSpec> = Object.freeze({ colorShape: [], relations: [], counts: [] });

export function isHeldOutColorShape(spec: Readonly<HeldOutSpec>, shape: Shape, color: Color): boolean {
  return spec.colorShape.some((p) => p.shape === shape && p.color === color);
}

export function isHeldOutRelation(spec: Readonly<HeldOutSpec>, subject: Shape, relation: Relation, object: Shape): boolean {
  return spec.relations.some(
    (r) =>
      (r.subject === subject && r.relation === relation && r.object === object) ||
      (r.subject === object && CONVERSE[r.relation] === relation && r.object === subject),
  );
}

/** Whether a prompt names any held-out combination. */
export function isHeldOutPrompt(spec: Readonly<HeldOutSpec>, prompt: ShapesPrompt): boolean {
  for (const o of prompt.objects) {
    if (o.color !== undefined && isHeldOutColorShape(spec, o.shape, o.color)) return true;
  }
  if (prompt.category === 'counting') {
    const o = prompt.objects[0];
    if (o && spec.counts.some((c) => c.shape === o.shape && c.count === o.count)) return true;
  }
  if (prompt.relation !== undefined && prompt.objects.length === 2) {
    const [a, b] = prompt.objects;
    if (a && b && isHeldOutRelation(spec, a.shape, prompt.relation, b.shape)) return true;
  }
  return false;
}
