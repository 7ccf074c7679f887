import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImage } from '../../src/data/image.js';
import { renderText } from '../../src/data/glyphs/index.js';
import {
  OcrScorer,
  inkMap,
  levenshtein,
  normalizeOcrText,
  ocrAccuracy,
  ocrCharsetFor,
  ocrModeFor,
  ocrPage,
  quotedTarget,
  withOcrScorer,
} from '../../src/eval/ocr/index.js';

test('Levenshtein distance and Flow-GRPO accuracy (spaces removed, case folded, distance clipped)', () => {
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(levenshtein('flaw', 'lawn'), 2);
  assert.equal(normalizeOcrText(' Hi  There\n'), 'hithere');
  assert.equal(ocrAccuracy('cat', 'CAT'), 1);
  assert.equal(ocrAccuracy('c at', 'CAT'), 1);
  assert.ok(Math.abs(ocrAccuracy('CAR', 'CAT') - 2 / 3) < 1e-12);
  assert.equal(ocrAccuracy('a very long misreading', 'CAT'), 0, 'clipped at |target|');
  assert.equal(ocrAccuracy('', 'A'), 0);
  assert.equal(ocrAccuracy('', ''), 1);
  assert.equal(quotedTarget('the word "CAT"'), 'CAT');
  assert.equal(quotedTarget('no quotes'), 'no quotes');
});

test('page modes and whitelists follow the target', () => {
  assert.equal(ocrModeFor('A'), 'char');
  assert.equal(ocrModeFor('CAT'), 'word');
  assert.equal(ocrModeFor('HI 42'), 'line');
  assert.equal(ocrCharsetFor('42', 'auto'), '0123456789');
  assert.match(ocrCharsetFor('Cat', 'auto'), /^[A-Za-z]+$/);
  assert.match(ocrCharsetFor('R2D2', 'auto'), /Z.*9/);
  assert.equal(ocrCharsetFor('42', 'alnum').length, 62);
  assert.equal(ocrCharsetFor('42', 'any'), '');
});

test('preprocessing makes any polarity or colour into black ink on white, and leaves blanks blank', () => {
  const a = ocrPage(renderText('K'));
  const b = ocrPage(renderText('K', { fg: [0, 0, 0], bg: [1, 1, 1] }));
  const c = ocrPage(renderText('K', { fg: [1, 0, 0], bg: [0.9, 0.9, 0.8] }));
  assert.equal(a.width, 32 * 2 + 2 * 16, 'upscaled ×2 and padded by 16');
  let maxDiff = 0;
  for (let p = 0; p < a.grey.length; p++)
    maxDiff = Math.max(maxDiff, Math.abs(a.grey[p] - b.grey[p]), Math.abs(a.grey[p] - c.grey[p]));
  assert.ok(maxDiff <= 2, `pages agree within 2/255, got ${maxDiff}`);
  assert.equal(a.grey[0], 255, 'paper is white');
  assert.ok(
    a.grey.some((v) => v === 0),
    'ink is black',
  );
  const blank = createImage(32, 32);
  blank.data.fill(0.5);
  blank.data[100] = 0.55;
  assert.ok(
    inkMap(blank).every((v) => v <= 0.25),
    'a faint speck is not stretched to full ink',
  );
});

test('tesseract reads clean renders offline; wrong or blank images score low; lifecycle is explicit', async () => {
  const cases: [string, Parameters<typeof renderText>[1]][] = [
    ['A', {}],
    ['7', { font: 'dejavu-serif' }],
    ['R', { style: 'italic' }],
    ['Q', { style: 'bold', font: 'dejavu-mono' }],
    ['0', {}],
    ['CAT', { width: 64 }],
    ['2024', { width: 64, fg: [0, 0, 0], bg: [1, 1, 1] }],
  ];
  const scorer = await OcrScorer.create();
  try {
    const scores = await scorer.score(
      cases.map(([t, o]) => renderText(t, o)),
      cases.map(([t]) => t),
    );
    for (const s of scores) assert.equal(s.accuracy, 1, `read ${JSON.stringify(s.read)} for ${s.target}`);
    const [wrong, blank] = await scorer.score([renderText('B'), createImage(32, 32)], ['E', 'M']);
    assert.equal(wrong.accuracy, 0, `B read as ${wrong.read} scores 0 for E`);
    assert.equal(blank.accuracy, 0, `blank read as ${JSON.stringify(blank.read)}`);
    await assert.rejects(
      scorer.score([renderText('A')], []),
      /images and targets must have the same length, got 1 and 0/,
    );
  } finally {
    await scorer.close();
  }
  await assert.rejects(scorer.score([renderText('A')], ['A']), /engine must be open, got terminated/);
  await scorer.close(); // twice is fine
  const r = await withOcrScorer(async (s) => (await s.score([renderText('Z')], ['Z']))[0].accuracy);
  assert.equal(r, 1);
});
