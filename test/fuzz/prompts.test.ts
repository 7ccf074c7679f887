// Property-based tests of the prompt parsers (issue #12 §5): the closed-world tokenizers of every testbed, the
// preflight's prompt check, the CLI's --prompt parser and the glyph / moving-shapes prompt grammars take arbitrary
// Unicode text (long, blank, control characters) and either accept it or refuse it with a bounded message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SHAPES_VOCABULARY } from '../../src/data/shapes/vocab.js';
import { GLYPH_CHARACTER_VOCABULARY } from '../../src/data/glyphs/vocabulary.js';
import { FASHION_MNIST_VOCABULARY } from '../../src/data/class-prompts.js';
import { parseGlyphPrompt } from '../../src/data/glyphs/prompts.js';
import { parseMovingPrompt } from '../../src/data/moving-shapes/grammar.js';
import { promptProblem } from '../../src/train/preflight.js';
import { MAX_PROMPT_CHARS, parsePromptOption } from '../../src/cli/options.js';
import { CliError } from '../../src/cli/errors.js';
import { RUNS, clean } from './clean.js';

const VOCABS = [SHAPES_VOCABULARY, GLYPH_CHARACTER_VOCABULARY, FASHION_MNIST_VOCABULARY];
const plainError = (e: unknown): boolean => e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError);

/** Text mixing known words, arbitrary Unicode, whitespace runs and the odd very long word. */
function promptText(words: readonly string[]): fc.Arbitrary<string> {
  const token = fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 8 }), fc.constantFrom(' ', '\t', '\n', '  ', '"', '\u0000', '🟥'), fc.nat(3_000).map((n) => 'w'.repeat(n)));
  return fc.array(token, { maxLength: 20 }).map((ts) => ts.join(' '));
}

test('tokenize: ids of maxTokens known words, or an error that quotes the prompt cut short', () => {
  for (const vocab of VOCABS) {
    fc.assert(
      fc.property(promptText(vocab.words.slice(2)), (text) => {
        const r = clean(() => vocab.tokenize(text), plainError, /^refract tokenize \(/);
        const problem = promptProblem(text, vocab);
        if (r.ok) {
          assert.equal(r.value.length, vocab.maxTokens);
          assert.ok(problem === null || problem.startsWith('the empty prompt'), 'preflight agrees with the tokenizer');
        } else assert.notEqual(problem, null, 'preflight catches what the tokenizer refuses');
      }),
      { numRuns: RUNS },
    );
  }
});

test('--prompt: a trimmed one-line prompt of at most 1000 characters, or a CliError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 50 }), fc.nat(5_000).map((n) => ' x'.repeat(n))), (text) => {
      const r = clean(() => parsePromptOption('sample', '--prompt', text), (e) => e instanceof CliError, /^refract sample: --prompt must /);
      if (r.ok) {
        assert.ok(r.value.length > 0 && r.value.length <= MAX_PROMPT_CHARS);
        assert.equal(r.value, r.value.trim());
        assert.doesNotMatch(r.value, /[\r\n\0]/);
      }
    }),
    { numRuns: RUNS },
  );
});

test('glyph and moving-shapes prompt grammars: a parsed prompt that prints back, or a bounded error', () => {
  const glyph = fc.oneof(fc.string({ maxLength: 30 }), fc.tuple(fc.constantFrom('letter', 'digit', 'word', 'number', 'shape'), fc.string({ maxLength: 12 })).map(([k, t]) => `the ${k} "${t}"`), fc.nat(100_000).map((n) => `the word "${'A'.repeat(n)}"`));
  fc.assert(
    fc.property(glyph, (text) => {
      const r = clean(() => parseGlyphPrompt(text), plainError, /^refract glyphs: /);
      if (r.ok) assert.equal(parseGlyphPrompt(r.value.text).text, r.value.text);
    }),
    { numRuns: RUNS },
  );
  const phrase = fc.tuple(fc.constantFrom('a', 'an', 'the'), fc.constantFrom('red', 'blue', 'green', 'pink', ''), fc.constantFrom('circle', 'square', 'triangle', 'cat'), fc.constantFrom('bouncing', 'falling', 'moving left', 'moving sideways', '')).map((ws) => ws.join(' '));
  const moving = fc.oneof(fc.string({ maxLength: 40 }), fc.array(phrase, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(' and ')), fc.nat(50_000).map((n) => 'a red circle bouncing and '.repeat(n)));
  fc.assert(
    fc.property(moving, (text) => {
      const r = clean(() => parseMovingPrompt(text), plainError, /^refract moving-shapes: /);
      if (r.ok) assert.ok(r.value.objects.length >= 1);
    }),
    { numRuns: RUNS },
  );
});
