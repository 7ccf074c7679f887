/**
 * Prompt grammar of the glyph task (DESIGN §4, Flow-GRPO's OCR task in miniature): the prompt names a kind and
 * quotes the text to draw, and the OCR reward compares what tesseract reads with the quoted text — flow_grpo's
 * ocr.py likewise takes the text between the first pair of double quotes.
 *
 *   the letter "A"     one capital A–Z                 32×32
 *   the digit "7"      one digit 0–9                   32×32
 *   the word "CAT"     a capital word from WORDS       64×32 (width × height)
 *   the number "42"    2–4 digits                      64×32
 *
 * Capitals only by default: in a bitmap font c/C, o/O, s/S, v/V, w/W, x/X, z/Z differ by size alone, and the
 * reward would punish a correct drawing for a case OCR cannot see. `lowercase: true` adds a–z to letters.
 */
import type { Rng } from '../rng.js';
import { quoteValue } from '../../config/errors.js';

export const GLYPH_KINDS = ['letter', 'digit', 'word', 'number'] as const;
export type GlyphKind = (typeof GLYPH_KINDS)[number];

export interface GlyphPrompt {
  kind: GlyphKind;
  /** The text to draw (what OCR must read back). */
  target: string;
  /** The prompt sentence, e.g. `the letter "A"`. */
  text: string;
}

export const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';

/** Short, common English words (3–4 capitals) that fit 64×32 legibly. */
export const WORDS: readonly string[] = Object.freeze([
  'CAT',
  'DOG',
  'SUN',
  'SKY',
  'RED',
  'BOX',
  'MAP',
  'KEY',
  'CUP',
  'HAT',
  'BUS',
  'FOX',
  'OWL',
  'PEN',
  'ICE',
  'JAM',
  'TREE',
  'FISH',
  'BIRD',
  'STAR',
  'MOON',
  'RAIN',
  'SNOW',
  'BLUE',
  'GOLD',
  'ROCK',
  'SHIP',
  'LAMP',
  'DOOR',
  'FROG',
  'KITE',
  'WAVE',
]);

/** Canvas (width × height) for a prompt's kind: single characters are square, strings are twice as wide. */
export function canvasFor(kind: GlyphKind): { width: number; height: number } {
  return kind === 'letter' || kind === 'digit' ? { width: 32, height: 32 } : { width: 64, height: 32 };
}

/** The prompt sentence for a kind and target, validating that the target fits the kind. */
export function glyphPrompt(kind: GlyphKind, target: string, opts: { lowercase?: boolean } = {}): GlyphPrompt {
  checkTarget(kind, target, opts.lowercase ?? false);
  return { kind, target, text: `the ${kind} "${target}"` };
}

/** Parses a prompt sentence back into structure; throws naming the expected form. */
export function parseGlyphPrompt(text: string): GlyphPrompt {
  const m = /^the (letter|digit|word|number) "([^"]+)"$/.exec(text.trim());
  if (!m) {
    throw new Error(
      `refract glyphs: prompt must read 'the <letter|digit|word|number> "<text>"', got ${quoteValue(text)}`,
    );
  }
  return glyphPrompt(m[1] as GlyphKind, m[2], { lowercase: true });
}

export interface GlyphSampleOptions {
  kinds: readonly GlyphKind[];
  lowercase: boolean;
}

export const DEFAULT_GLYPH_SAMPLE: Readonly<GlyphSampleOptions> = Object.freeze({
  kinds: Object.freeze(['letter', 'digit']) as readonly GlyphKind[],
  lowercase: false,
});

/** A random prompt: a kind from `kinds`, then a uniform target of that kind. */
export function sampleGlyphPrompt(rng: Rng, opts: Partial<GlyphSampleOptions> = {}): GlyphPrompt {
  const o = { ...DEFAULT_GLYPH_SAMPLE, ...opts };
  if (o.kinds.length === 0) throw new Error('refract glyphs: kinds must list at least one kind, got []');
  const kind = rng.choice(o.kinds);
  switch (kind) {
    case 'letter':
      return glyphPrompt(kind, rng.choice([...(o.lowercase ? UPPERCASE + LOWERCASE : UPPERCASE)]), o);
    case 'digit':
      return glyphPrompt(kind, rng.choice([...DIGITS]));
    case 'word':
      return glyphPrompt(kind, rng.choice(WORDS));
    case 'number': {
      const len = rng.int(2, 4);
      // No leading zero: "07" is read (and written) as 7 by people and by OCR's number models.
      let s = String(rng.int(1, 9));
      for (let i = 1; i < len; i++) s += String(rng.int(0, 9));
      return glyphPrompt(kind, s);
    }
  }
}

/** Every single-character prompt (26 letters + 10 digits; 52 letters with lowercase). */
export function allCharacterPrompts(opts: { lowercase?: boolean } = {}): GlyphPrompt[] {
  const letters = opts.lowercase ? UPPERCASE + LOWERCASE : UPPERCASE;
  return [
    ...[...letters].map((c) => glyphPrompt('letter', c, opts)),
    ...[...DIGITS].map((d) => glyphPrompt('digit', d)),
  ];
}

function checkTarget(kind: GlyphKind, target: string, lowercase: boolean): void {
  const letters = lowercase ? UPPERCASE + LOWERCASE : UPPERCASE;
  const ok =
    kind === 'letter'
      ? target.length === 1 && letters.includes(target)
      : kind === 'digit'
        ? target.length === 1 && DIGITS.includes(target)
        : kind === 'word'
          ? /^[A-Za-z]{2,4}$/.test(target) && (lowercase || target === target.toUpperCase())
          : /^[0-9]{1,4}$/.test(target);
  if (!ok) {
    const expected = {
      letter: lowercase ? 'one letter A–Z or a–z' : 'one capital A–Z',
      digit: 'one digit 0–9',
      word: '2–4 letters',
      number: '1–4 digits',
    }[kind];
    throw new Error(`refract glyphs: a ${kind} target must be ${expected}, got ${quoteValue(target)}`);
  }
}
