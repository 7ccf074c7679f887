/**
 * The word vocabulary of the single-character glyph testbed: prompts `the letter "A"` / `the digit "7"` split into
 * three words, the quoted character being one word (`"a"` after the vocabulary's lower-casing; capitals only, so
 * no two targets collide). 41 ids: pad, unk, the, letter, digit, 26 letters, 10 digits.
 */
import { WordVocabulary } from '../vocabulary.js';
import { DIGITS, UPPERCASE } from './prompts.js';

const QUOTED = [...UPPERCASE.toLowerCase(), ...DIGITS].map((c) => `"${c}"`);

export const GLYPH_CHARACTER_VOCABULARY = new WordVocabulary(
  'glyphs',
  ['<pad>', '<unk>', 'the', 'letter', 'digit', ...QUOTED],
  3,
);
