import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { enumeratePrompts, makePrompt, promptFromText, samplePrompt } from '../../src/data/shapes/grammar.js';
import { CATEGORIES } from '../../src/data/shapes/types.js';
import { MAX_TOKENS, PAD_ID, UNK_ID, VOCAB, detokenize, tokenize, unknownWords } from '../../src/data/shapes/vocab.js';

test('enumeration sizes per category', () => {
  const sizes = Object.fromEntries(CATEGORIES.map((c) => [c, enumeratePrompts(c).length]));
  assert.deepEqual(sizes, { single_object: 4, two_objects: 12, counting: 16, colors: 28, position: 48, color_attr: 504 });
});

test('every prompt of every category has distinct text, known words and a token round trip', () => {
  for (const c of CATEGORIES) {
    const texts = new Set<string>();
    for (const p of enumeratePrompts(c)) {
      assert.equal(p.category, c);
      assert.deepEqual(unknownWords(p.text), [], p.text);
      const ids = tokenize(p.text, { strict: true });
      assert.equal(ids.length, MAX_TOKENS);
      assert.ok(!ids.includes(UNK_ID));
      assert.equal(detokenize(ids), p.text);
      texts.add(p.text);
    }
    assert.equal(texts.size, enumeratePrompts(c).length);
  }
});

test('texts read like GenEval prompts', () => {
  const examples = CATEGORIES.map((c) => enumeratePrompts(c)[0].text);
  assert.deepEqual(examples, [
    'a circle',
    'a circle and a square',
    'one circle',
    'a red circle',
    'a circle to the left of a square',
    'a red circle and a green square',
  ]);
  assert.equal(makePrompt('counting', [{ shape: 'cross', count: 3 }]).text, 'three crosses');
  assert.equal(makePrompt('position', [{ shape: 'triangle', count: 1 }, { shape: 'circle', count: 1 }], 'below').text, 'a triangle below a circle');
});

test('tokenize pads with 0, maps unknown words to UNK and enforces the length', () => {
  const ids = tokenize('a red dog');
  assert.deepEqual([...ids.slice(0, 4)], [VOCAB.indexOf('a'), VOCAB.indexOf('red'), UNK_ID, PAD_ID]);
  assert.throws(() => tokenize('a red dog', { strict: true }), /every word must be in the shapes vocabulary, got "dog"/);
  assert.throws(() => tokenize('a '.repeat(13)), /at most 12 words, got 13/);
  assert.equal(VOCAB[PAD_ID], '<pad>');
});

test('makePrompt rejects prompts that break their category', () => {
  assert.throws(() => makePrompt('two_objects', [{ shape: 'circle', count: 1 }, { shape: 'circle', count: 1 }]), /two different shapes/);
  assert.throws(() => makePrompt('colors', [{ shape: 'circle', count: 1 }]), /colours on every object/);
  assert.throws(() => makePrompt('counting', [{ shape: 'circle', count: 5 }]), /counts in 1..4/);
  assert.throws(() => makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }]), /a relation/);
  assert.throws(
    () => makePrompt('color_attr', [{ shape: 'circle', color: 'red', count: 1 }, { shape: 'square', color: 'red', count: 1 }]),
    /two different colours/,
  );
});

test('samplePrompt covers every category and returns copies', () => {
  const rng = new Rng(0);
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) seen.add(samplePrompt(rng).category);
  assert.equal(seen.size, CATEGORIES.length);
  const p = samplePrompt(rng, 'colors');
  p.objects[0].color = 'white';
  assert.ok(enumeratePrompts('colors').every((q) => q.objects !== p.objects));
});

test('promptFromText inverts the grammar on every prompt, ignores case and spacing, and rejects other text', () => {
  for (const c of CATEGORIES) {
    for (const p of enumeratePrompts(c)) assert.deepEqual(promptFromText(p.text), p);
  }
  const p = promptFromText('  A red   circle ')!;
  assert.equal(p.text, 'a red circle');
  p.objects[0]!.count = 3; // a copy: the enumeration is unchanged
  assert.equal(promptFromText('a red circle')!.objects[0]!.count, 1);
  for (const t of ['a red circle to the left of a blue square', 'five circles', 'a circle and a circle', '', 'a <circle>'])
    assert.equal(promptFromText(t), undefined, t);
});
