import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderText } from '../../src/data/glyphs/index.js';
import { ocrReward, ocrTarget } from '../../src/rewards/index.js';
import { assertResultShapes } from './helpers.js';

test('OCR reward (Flow-GRPO): a correct glyph scores above a wrong one; the target is the quoted text', async () => {
  assert.equal(ocrTarget({ text: 'the letter "A"' }), 'A');
  assert.equal(ocrTarget({ text: 'ignored', glyph: { kind: 'word', target: 'CAT', text: 'the word "CAT"' } }), 'CAT');
  const rm = await ocrReward();
  try {
    const prompts = [
      { text: 'the letter "K"' },
      { text: 'the letter "K"' },
      { text: 'the word "CAT"' },
      { text: 'the word "CAT"' },
    ];
    const rgb = [renderText('K'), renderText('W'), renderText('CAT', { width: 64 }), renderText('COT', { width: 64 })];
    // Words are 64 wide, letters 32: score them as two batches of one size each.
    const letters = await rm.score({ rgb: rgb.slice(0, 2), prompts: prompts.slice(0, 2) });
    const words = await rm.score({ rgb: rgb.slice(2), prompts: prompts.slice(2) });
    assertResultShapes(letters, 2, ['accuracy', 'confidence']);
    assert.equal(letters.total[0], 1, 'a clean K reads as K');
    assert.ok(letters.total[0]! > letters.total[1]!, 'K beats W for "K"');
    assert.equal(words.total[0], 1);
    assert.ok(Math.abs(words.total[1]! - 2 / 3) < 1e-6, 'one wrong letter of three: 1 − 1/3');
    assert.ok(letters.components.confidence!.every((c) => c >= 0 && c <= 1));
  } finally {
    await rm.close();
  }
});
