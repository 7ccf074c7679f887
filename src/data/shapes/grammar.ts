/**
 * Prompt grammar in GenEval's six categories (Ghosh et al., arXiv 2310.11513; prompts/create_prompts.py in
 * djghosh13/geneval). A prompt is structure first; its text is generated from the structure so the two can never
 * disagree. Differences from GenEval: no "a photo of" prefix (nothing else to photograph), counts run 1–4
 * (GenEval 2–4), and single_object names no colour (colour is the `colors` category's job).
 */
import type { Rng } from '../rng.js';
import { isHeldOutPrompt, type HeldOutSpec } from './held-out.js';
import {
  CATEGORIES,
  COLORS,
  COUNT_WORDS,
  MAX_COUNT,
  RELATIONS,
  SHAPE_PLURALS,
  SHAPES,
  type Category,
  type PromptObject,
  type Relation,
  type ShapesPrompt,
} from './types.js';

const RELATION_PHRASE: Readonly<Record<Relation, string>> = Object.freeze({
  'left of': 'to the left of',
  'right of': 'to the right of',
  above: 'above',
  below: 'below',
});

function withArticle(phrase: string): string {
  return (/^[aeiou]/.test(phrase) ? 'an ' : 'a ') + phrase;
}

function nounPhrase(o: PromptObject): string {
  return withArticle(o.color === undefined ? o.shape : `${o.color} ${o.shape}`);
}

/** The English text of a structured prompt. */
export function promptText(category: Category, objects: readonly PromptObject[], relation?: Relation): string {
  const [a, b] = objects;
  switch (category) {
    case 'single_object':
    case 'colors':
      return nounPhrase(a!);
    case 'counting':
      return `${COUNT_WORDS[a!.count - 1]} ${a!.count === 1 ? a!.shape : SHAPE_PLURALS[a!.shape]}`;
    case 'two_objects':
    case 'color_attr':
      return `${nounPhrase(a!)} and ${nounPhrase(b!)}`;
    case 'position':
      return `${nounPhrase(a!)} ${RELATION_PHRASE[relation!]} ${nounPhrase(b!)}`;
  }
}

/** Why `objects`/`relation` do not fit `category`, or null when they do. */
function shapeError(category: Category, objects: readonly PromptObject[], relation?: Relation): string | null {
  const two = category === 'two_objects' || category === 'position' || category === 'color_attr';
  if (objects.length !== (two ? 2 : 1)) return `${two ? 2 : 1} object(s), got ${objects.length}`;
  if (two && objects[0]!.shape === objects[1]!.shape) return 'two different shapes';
  const coloured = category === 'colors' || category === 'color_attr';
  if (objects.some((o) => (o.color !== undefined) !== coloured)) return coloured ? 'colours on every object' : 'no colours';
  if (category === 'color_attr' && objects[0]!.color === objects[1]!.color) return 'two different colours';
  const maxCount = category === 'counting' ? MAX_COUNT : 1;
  if (objects.some((o) => !Number.isInteger(o.count) || o.count < 1 || o.count > maxCount)) return `counts in 1..${maxCount}`;
  if ((category === 'position') !== (relation !== undefined)) return category === 'position' ? 'a relation' : 'no relation';
  return null;
}

/** A validated prompt with generated text. */
export function makePrompt(category: Category, objects: readonly PromptObject[], relation?: Relation): ShapesPrompt {
  const err = shapeError(category, objects, relation);
  if (err !== null) {
    throw new Error(`refract shapes: a ${category} prompt must have ${err} — see src/data/shapes/grammar.ts`);
  }
  const objs = objects.map((o) => ({ ...o }));
  const prompt: ShapesPrompt = { category, text: promptText(category, objs, relation), objects: objs };
  if (relation !== undefined) prompt.relation = relation;
  return prompt;
}

const shapePairs = SHAPES.flatMap((a) => SHAPES.filter((b) => b !== a).map((b) => [a, b] as const));

function enumerateUncached(category: Category): ShapesPrompt[] {
  switch (category) {
    case 'single_object':
      return SHAPES.map((shape) => makePrompt(category, [{ shape, count: 1 }]));
    case 'two_objects':
      return shapePairs.map(([a, b]) => makePrompt(category, [{ shape: a, count: 1 }, { shape: b, count: 1 }]));
    case 'counting':
      return SHAPES.flatMap((shape) =>
        COUNT_WORDS.map((_, i) => makePrompt(category, [{ shape, count: i + 1 }])),
      );
    case 'colors':
      return SHAPES.flatMap((shape) => COLORS.map((color) => makePrompt(category, [{ shape, color, count: 1 }])));
    case 'position':
      return shapePairs.flatMap(([a, b]) =>
        RELATIONS.map((r) => makePrompt(category, [{ shape: a, count: 1 }, { shape: b, count: 1 }], r)),
      );
    case 'color_attr':
      return shapePairs.flatMap(([a, b]) =>
        COLORS.flatMap((ca) =>
          COLORS.filter((cb) => cb !== ca).map((cb) =>
            makePrompt(category, [{ shape: a, color: ca, count: 1 }, { shape: b, color: cb, count: 1 }]),
          ),
        ),
      );
  }
}

const enumerated = new Map<Category, readonly ShapesPrompt[]>();

/**
 * Every distinct prompt of a category, in a fixed order (single_object 4, two_objects 12, counting 16,
 * colors 28, position 48, color_attr 504). Returned prompts are shared: copy before mutating.
 */
export function enumeratePrompts(category: Category): readonly ShapesPrompt[] {
  let list = enumerated.get(category);
  if (!list) {
    list = Object.freeze(enumerateUncached(category));
    enumerated.set(category, list);
  }
  return list;
}

let byText: ReadonlyMap<string, ShapesPrompt> | undefined;

/**
 * The structured prompt whose generated text is `text` (the grammar's inverse), or undefined when no Shapes prompt
 * reads so. Texts are unique across all 612 prompts, so a lookup in the enumeration is an exact parser; surrounding
 * white space and letter case are ignored. Returns a fresh copy.
 */
export function promptFromText(text: string): ShapesPrompt | undefined {
  byText ??= new Map(CATEGORIES.flatMap((c) => enumeratePrompts(c).map((p) => [p.text, p] as const)));
  const p = byText.get(text.trim().replace(/\s+/g, ' ').toLowerCase());
  return p === undefined ? undefined : { ...p, objects: p.objects.map((o) => ({ ...o })) };
}

/** Per held-out spec, the allowed prompts of each category (specs are frozen constants, so caching is safe). */
const allowedCache = new WeakMap<Readonly<HeldOutSpec>, Map<Category, readonly ShapesPrompt[]>>();

function allowedPrompts(category: Category, heldOut: Readonly<HeldOutSpec>): readonly ShapesPrompt[] {
  let perCategory = allowedCache.get(heldOut);
  if (!perCategory) {
    perCategory = new Map();
    allowedCache.set(heldOut, perCategory);
  }
  let list = perCategory.get(category);
  if (!list) {
    list = enumeratePrompts(category).filter((p) => !isHeldOutPrompt(heldOut, p));
    perCategory.set(category, list);
  }
  return list;
}

/** A uniformly drawn prompt of `category` (or of a uniformly drawn category), skipping held-out ones if given. */
export function samplePrompt(rng: Rng, category?: Category, heldOut?: Readonly<HeldOutSpec>): ShapesPrompt {
  const cat = category ?? rng.choice(CATEGORIES);
  const pool = heldOut ? allowedPrompts(cat, heldOut) : enumeratePrompts(cat);
  if (pool.length === 0) {
    throw new Error(`refract shapes: held-out spec must leave some ${cat} prompts, got none — hold out fewer`);
  }
  const p = rng.choice(pool);
  return { ...p, objects: p.objects.map((o) => ({ ...o })) };
}
