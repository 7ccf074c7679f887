import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/data/rng.js';
import { GlyphPromptSource } from '../../../src/data/glyphs/prompt-source.js';
import { parseGlyphPrompt } from '../../../src/data/glyphs/index.js';

test('GlyphPromptSource: seeded prompts carrying their glyph structure, from the configured kinds', () => {
  const source = new GlyphPromptSource();
  assert.equal(source.name, 'glyphs');
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 40 }, () => source.sample(rng));
  };
  const a = draw(1);
  assert.deepEqual(draw(1), a);
  assert.notDeepEqual(draw(2), a);
  for (const p of a) {
    assert.deepEqual(parseGlyphPrompt(p.text), p.glyph);
    assert.ok(p.glyph.kind === 'letter' || p.glyph.kind === 'digit');
  }
  assert.ok(new Set(a.map((p) => p.glyph.kind)).size === 2, 'both default kinds occur in 40 draws');
  const words = new GlyphPromptSource({ kinds: ['word'] });
  assert.ok(Array.from({ length: 10 }, () => words.sample(new Rng(5))).every((p) => p.glyph.kind === 'word'));
  assert.throws(() => new GlyphPromptSource({ kinds: [] }), /kinds must list at least one kind, got \[\]/);
});
