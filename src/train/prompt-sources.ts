// Training prompt sources of a run config's `prompts:` section (STYLE §5: a schema per kind, a typed builder map).
//
//   prompts: { source: shapes, categories: [counting, position], heldOut: exclude }
//   prompts: { source: glyphs, kinds: [letter, digit] }
//   prompts: { source: classes, dataset: fashion_mnist }
import { z } from 'zod';
import { CATEGORIES, type Category } from '../data/shapes/types.js';
import { samplePrompt } from '../data/shapes/grammar.js';
import { DEFAULT_HELD_OUT, isHeldOutPrompt } from '../data/shapes/held-out.js';
import { GLYPH_KINDS } from '../data/glyphs/prompts.js';
import { GlyphPromptSource } from '../data/glyphs/prompt-source.js';
import { FASHION_MNIST_PROMPTS, MNIST_PROMPTS } from '../data/class-prompts.js';
import type { Rng } from '../data/rng.js';
import type { RewardPrompt } from '../rewards/types.js';
import type { PromptSource } from '../algorithms/algorithm.js';

const shapesSource = z
  .object({
    source: z.literal('shapes'),
    /** Only these GenEval categories (default: all six, drawn uniformly). */
    categories: z.array(z.enum(CATEGORIES)).min(1).optional(),
    /**
     * 'include': train on every combination (ShapesEval's held-out split then measures closing the base's gaps);
     * 'exclude': never train on the base's held-out combinations (the split measures generalisation).
     */
    heldOut: z.enum(['include', 'exclude']).default('include'),
  })
  .strict();

const glyphsSource = z
  .object({
    source: z.literal('glyphs'),
    kinds: z.array(z.enum(GLYPH_KINDS)).min(1).default(['letter', 'digit']),
    lowercase: z.boolean().default(false),
  })
  .strict();

const classesSource = z
  .object({
    source: z.literal('classes'),
    dataset: z.enum(['fashion_mnist', 'mnist']),
  })
  .strict();

export const promptSourceSchema = z.discriminatedUnion('source', [shapesSource, glyphsSource, classesSource]);
export type PromptSourceConfig = z.infer<typeof promptSourceSchema>;
export type PromptSourceKind = PromptSourceConfig['source'];

/** The Shapes grammar: GenEval-style prompts carrying their structure (RewardPrompt.shapes) for the gold reward. */
export function shapesPromptSource(o: { categories?: readonly Category[]; heldOut?: 'include' | 'exclude' } = {}): PromptSource {
  const categories = o.categories;
  const heldOut = o.heldOut === 'exclude' ? DEFAULT_HELD_OUT : undefined;
  return {
    name: 'shapes',
    sample(rng: Rng): RewardPrompt {
      const category = categories === undefined ? undefined : rng.choice(categories);
      const p = samplePrompt(rng, category, heldOut);
      return { text: p.text, shapes: p };
    },
    admits(prompt: RewardPrompt): boolean {
      const p = prompt.shapes;
      if (p === undefined) return false;
      return (categories === undefined || categories.includes(p.category)) && (heldOut === undefined || !isHeldOutPrompt(heldOut, p));
    },
  };
}

/** One class prompt per draw, uniform over the classes, carrying RewardPrompt.classIndex. */
export function classPromptSource(dataset: 'fashion_mnist' | 'mnist'): PromptSource {
  const texts = dataset === 'mnist' ? MNIST_PROMPTS : FASHION_MNIST_PROMPTS;
  return {
    name: `classes:${dataset}`,
    sample(rng: Rng): RewardPrompt {
      const classIndex = rng.int(0, texts.length - 1);
      return { text: texts[classIndex]!, classIndex };
    },
  };
}

type Builders = { [K in PromptSourceKind]: (c: Extract<PromptSourceConfig, { source: K }>) => PromptSource };

export const PROMPT_SOURCE_BUILDERS: Readonly<Builders> = Object.freeze({
  shapes: (c) => shapesPromptSource({ ...(c.categories ? { categories: c.categories } : {}), heldOut: c.heldOut }),
  glyphs: (c) => new GlyphPromptSource({ kinds: c.kinds, lowercase: c.lowercase }),
  classes: (c) => classPromptSource(c.dataset),
});

export function buildPromptSource(config: Readonly<PromptSourceConfig>): PromptSource {
  const build = PROMPT_SOURCE_BUILDERS[config.source] as (c: Readonly<PromptSourceConfig>) => PromptSource;
  return build(config);
}
