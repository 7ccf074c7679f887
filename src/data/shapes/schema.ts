/**
 * Config schemas for the shapes world (STYLE §5): validate unknown input (YAML, CLI) into the typed options,
 * filling defaults; zod's issue paths name the offending field.
 */
import { z } from 'zod';
import { DEFAULT_TRAINING_SAMPLE_OPTIONS } from './dataset.js';
import { DEFAULT_HELD_OUT, type HeldOutSpec } from './held-out.js';
import { CATEGORIES, COLORS, MAX_COUNT, RELATIONS, SHAPES } from './types.js';

const shape = z.enum(SHAPES);

/** A held-out spec; a list left out is empty (nothing of that kind held out). */
export const HeldOutSpecSchema = z.strictObject({
  colorShape: z.array(z.strictObject({ shape, color: z.enum(COLORS) })).default([]),
  relations: z.array(z.strictObject({ subject: shape, relation: z.enum(RELATIONS), object: shape })).default([]),
  counts: z.array(z.strictObject({ shape, count: z.number().int().min(1).max(MAX_COUNT) })).default([]),
});

/** A mutable copy of a spec, as a schema default (zod's output type has mutable arrays). */
export function copyHeldOut(spec: Readonly<HeldOutSpec>): z.output<typeof HeldOutSpecSchema> {
  return {
    colorShape: spec.colorShape.map((p) => ({ ...p })),
    relations: spec.relations.map((r) => ({ ...r })),
    counts: spec.counts.map((c) => ({ ...c })),
  };
}

const D = DEFAULT_TRAINING_SAMPLE_OPTIONS;

export const TrainingSampleOptionsSchema = z.strictObject({
  /** null shows every combination; absent means DEFAULT_HELD_OUT. */
  heldOut: HeldOutSpecSchema.nullable().default(() => copyHeldOut(DEFAULT_HELD_OUT)),
  categoryWeights: z.partialRecord(z.enum(CATEGORIES), z.number().min(0)).default(D.categoryWeights),
  noiseStd: z.number().min(0).default(D.noiseStd),
  width: z.number().int().min(16).default(D.width),
  height: z.number().int().min(16).default(D.height),
});
