/**
 * Fixed word-level vocabulary and tokenizer for shapes-world prompts.
 *
 * A closed world needs no subword tokenizer: every prompt the grammar can produce is spelled from this list, so
 * a text encoder sees only known ids and an unknown word is a bug, not a rare token. The ids are stable (append
 * new words at the end) because trained checkpoints embed them.
 */
import { COLORS, COUNT_WORDS, SHAPE_PLURALS, SHAPES } from './types.js';
import { WordVocabulary } from '../vocabulary.js';

export const PAD_ID = 0;
export const UNK_ID = 1;
/** Longest grammar prompt is 8 words ("a circle to the left of a square"); 12 leaves room for phrasings. */
export const MAX_TOKENS = 12;

export const VOCAB: readonly string[] = Object.freeze([
  '<pad>',
  '<unk>',
  'a',
  'an',
  'and',
  'the',
  'of',
  'to',
  'photo',
  ...COUNT_WORDS,
  'left',
  'right',
  'above',
  'below',
  ...SHAPES,
  ...SHAPES.map((s) => SHAPE_PLURALS[s]),
  ...COLORS,
]);

const WORD_TO_ID: ReadonlyMap<string, number> = new Map(VOCAB.map((w, i) => [w, i]));

/** Lower-cased words of a prompt (whitespace-separated; the grammar emits no punctuation). */
export function words(text: string): string[] {
  return text.trim().toLowerCase().split(/\s+/).filter((w) => w.length > 0);
}

/** Words of `text` that are not in VOCAB (empty for every prompt the grammar produces). */
export function unknownWords(text: string): string[] {
  return words(text).filter((w) => !WORD_TO_ID.has(w));
}

export interface TokenizeOptions {
  /** Output length; shorter prompts are right-padded with PAD_ID. */
  maxLength: number;
  /** Throw on unknown words instead of mapping them to UNK_ID. */
  strict: boolean;
}

export const DEFAULT_TOKENIZE_OPTIONS: Readonly<TokenizeOptions> = Object.freeze({
  maxLength: MAX_TOKENS,
  strict: false,
});

/** Token ids of `text`, right-padded with PAD_ID (0) to `maxLength`. The attention mask is `id !== PAD_ID`. */
export function tokenize(text: string, opts: Partial<TokenizeOptions> = {}): Int32Array {
  const { maxLength, strict } = { ...DEFAULT_TOKENIZE_OPTIONS, ...opts };
  const ws = words(text);
  if (ws.length > maxLength) {
    throw new Error(
      `refract tokenize: prompt must have at most ${maxLength} words, got ${ws.length} ("${text}") — ` +
        'shorten it or raise maxLength',
    );
  }
  const ids = new Int32Array(maxLength); // zero-filled = PAD_ID
  ws.forEach((w, i) => {
    const id = WORD_TO_ID.get(w);
    if (id === undefined && strict) {
      throw new Error(
        `refract tokenize: every word must be in the shapes vocabulary, got "${w}" in "${text}" — ` +
          'see VOCAB in src/data/shapes/vocab.ts',
      );
    }
    ids[i] = id ?? UNK_ID;
  });
  return ids;
}

/** Inverse of tokenize (padding dropped); for logs and tests. */
export function detokenize(ids: ArrayLike<number>): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === PAD_ID) continue;
    out.push(VOCAB[id] ?? '<unk>');
  }
  return out.join(' ');
}

/** The same ids as a WordVocabulary (what the pipeline and the pretraining testbeds take). */
export const SHAPES_VOCABULARY = new WordVocabulary('shapes', VOCAB, MAX_TOKENS);
