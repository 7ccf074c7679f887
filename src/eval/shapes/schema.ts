/**
 * Config schemas for the gold evaluator and ShapesEval (STYLE §5): validate unknown input into the typed
 * options, filling defaults; zod's issue paths name the offending field.
 */
import { z } from 'zod';
import { copyHeldOut, HeldOutSpecSchema } from '../../data/shapes/schema.js';
import { DEFAULT_HELD_OUT } from '../../data/shapes/held-out.js';
import { DEFAULT_GOLD_OPTIONS } from './gold.js';
import { DEFAULT_SHAPES_EVAL_OPTIONS, SHAPES_EVAL_PER_CATEGORY } from './shapes-eval.js';

const G = DEFAULT_GOLD_OPTIONS;

export const GoldOptionsSchema = z
  .strictObject({
    denoise: z.boolean().default(G.denoise),
    threshold: z.number().gt(0).lt(1).default(G.threshold),
    minArea: z.number().int().min(1).default(G.minArea),
    maxShapeResidual: z.number().positive().default(G.maxShapeResidual),
    minSize: z.number().positive().default(G.minSize),
    maxSize: z.number().positive().default(G.maxSize),
    maxColorDistance: z.number().positive().default(G.maxColorDistance),
    mode: z.enum(['geneval', 'strict']).default(G.mode),
    positionThreshold: z.number().min(0).default(G.positionThreshold),
  })
  .refine((o) => o.minSize < o.maxSize, { message: 'minSize must be below maxSize', path: ['minSize'] });

const E = DEFAULT_SHAPES_EVAL_OPTIONS;

export const ShapesEvalOptionsSchema = z.strictObject({
  perCategory: z.number().int().min(1).max(SHAPES_EVAL_PER_CATEGORY).default(E.perCategory),
  seed: z.number().int().default(E.seed),
  heldOut: HeldOutSpecSchema.default(() => copyHeldOut(DEFAULT_HELD_OUT)),
});
