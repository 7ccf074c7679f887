import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import {
  GLYPH_FONTS,
  GLYPH_STYLES,
  allCharacterPrompts,
  canvasFor,
  flattenContour,
  glyphPrompt,
  loadTtf,
  loadUnifont,
  parseGlyphPrompt,
  parseUnifontHex,
  rasterizePolygons,
  renderCoverage,
  renderGlyphPrompt,
  renderText,
  sampleGlyphExample,
  sampleGlyphPrompt,
} from '../../src/data/glyphs/index.js';

test('Unifont .hex parsing: 8×16 bitmaps, MSB leftmost, Latin range only', () => {
  const font = parseUnifontHex('0041:0000000018242442427E424242420000\n4E00:' + '0'.repeat(64) + '\n');
  const a = font.get(0x41)!;
  assert.equal(a.width, 8);
  // Row 4 is 0x18 = 00011000.
  assert.deepEqual([...a.bits.subarray(4 * 8, 5 * 8)], [0, 0, 0, 1, 1, 0, 0, 0]);
  assert.equal(font.has(0x4e00), false, 'parsing stops after U+00FF');
  assert.throws(
    () => parseUnifontHex('0041:00FF\n', 'bad.hex'),
    /bad\.hex U\+0041 must have 32 or 64 hex digits, got 4/,
  );
  assert.ok(loadUnifont().get(0x5a), 'the installed font has Z');
});

test('TrueType reader: DejaVu Sans maps ASCII through cmap to outlined glyphs', () => {
  const f = loadTtf('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf');
  assert.equal(f.unitsPerEm, 2048);
  const gA = f.glyphIndex(0x41);
  assert.ok(gA > 0);
  const contours = f.contours(gA);
  assert.equal(contours.length, 2, "'A' has an outer contour and a counter");
  assert.ok(f.advance(gA) > 1000 && f.advance(gA) < 1600);
  assert.deepEqual(f.contours(f.glyphIndex(0x20)), [], 'space has no outline');
  assert.equal(f.glyphIndex(0x4e00), 0, 'CJK is not in DejaVu Sans');
  assert.throws(() => loadTtf('/nonexistent.ttf'), /font \/nonexistent\.ttf must be readable, got ENOENT/);
});

test('rasteriser: exact area for axis-aligned squares, nonzero winding, curves flattened', () => {
  // A 2×2 square spanning [1.5, 3.5]²: pixel (2, 2) is fully covered, its edge neighbours half, corners a quarter.
  const sq = [1.5, 1.5, 3.5, 1.5, 3.5, 3.5, 1.5, 3.5];
  const c = rasterizePolygons([sq], 5, 5);
  const total = c.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 4) < 1e-6, `area ${total}`);
  assert.ok(Math.abs(c[2 * 5 + 2] - 1) < 1e-6);
  assert.ok(Math.abs(c[1 * 5 + 1] - 0.25) < 1e-6);
  assert.ok(Math.abs(c[1 * 5 + 2] - 0.5) < 1e-6);
  // The same square twice (same orientation) still covers at most 1 per pixel.
  assert.ok(rasterizePolygons([sq, sq], 5, 5).every((v) => v <= 1));
  // A quadratic "circle" (TrueType-style: four off-curve controls only) flattens to a closed polygon inside its box.
  const ring = flattenContour(
    [
      { x: 1, y: 0, on: false },
      { x: 0, y: 1, on: false },
      { x: -1, y: 0, on: false },
      { x: 0, y: -1, on: false },
    ].map((p) => ({ ...p, x: p.x * 4 + 5, y: p.y * 4 + 5 })),
    (x, y) => [x, y],
  );
  assert.ok(ring.length >= 32);
  assert.ok(ring.every((v) => v >= 1 && v <= 9));
});

test('renderText: white on black, centred, deterministic; every font and style draws ink', () => {
  const img = renderText('A');
  assert.equal(img.width, 32);
  assert.equal(img.data.length, 3 * 32 * 32);
  assert.deepEqual(renderText('A').data, img.data);
  const cov = renderCoverage('H');
  let sx = 0,
    sy = 0,
    m = 0;
  cov.forEach((v, p) => ((sx += v * ((p % 32) + 0.5)), (sy += v * (Math.floor(p / 32) + 0.5)), (m += v)));
  assert.ok(Math.abs(sx / m - 16) < 0.5 && Math.abs(sy / m - 16) < 0.5, `H is centred (${sx / m}, ${sy / m})`);
  assert.equal(cov[0], 0, 'the border stays background');
  for (const font of GLYPH_FONTS) {
    for (const style of GLYPH_STYLES) {
      const ink = renderCoverage('Q7', { font, style, width: 64 }).reduce((a, b) => a + b, 0);
      assert.ok(ink > 40, `${font}/${style} draws ink (${ink})`);
    }
  }
  // Colours and offsets.
  const red = renderText('I', { fg: [1, 0, 0], bg: [0, 0, 1] });
  assert.equal(red.data[2 * 1024], 1, 'blue background');
  const meanX = (c: Float32Array): number => c.reduce((a, v, p) => a + v * (p % 32), 0) / c.reduce((a, v) => a + v, 0);
  assert.ok(
    Math.abs(meanX(renderCoverage('I', { dx: 4 })) - meanX(renderCoverage('I')) - 4) < 0.1,
    'dx shifts by 4 px',
  );
  // Case survives framing: lowercase o is smaller than capital O.
  const area = (t: string): number => renderCoverage(t).reduce((a, b) => a + b, 0);
  assert.ok(area('o') < 0.8 * area('O'));
  assert.throws(
    () => renderText('A', { font: 'comic' as 'unifont' }),
    /font must be one of dejavu-sans, dejavu-serif, dejavu-mono, unifont, got 'comic'/,
  );
  assert.throws(() => renderText(''), /text must be non-empty/);
});

test('glyph prompts: grammar, parsing, validation, sampling and canvases', () => {
  assert.equal(glyphPrompt('letter', 'A').text, 'the letter "A"');
  assert.deepEqual(parseGlyphPrompt('the number "42"'), { kind: 'number', target: '42', text: 'the number "42"' });
  assert.throws(() => glyphPrompt('letter', 'a'), /a letter target must be one capital A–Z, got "a"/);
  assert.throws(() => glyphPrompt('digit', '12'), /a digit target must be one digit 0–9, got "12"/);
  assert.throws(() => parseGlyphPrompt('draw an A'), /prompt must read 'the <letter\|digit\|word\|number> "<text>"'/);
  assert.equal(allCharacterPrompts().length, 36);
  assert.equal(allCharacterPrompts({ lowercase: true }).length, 62);
  assert.deepEqual(canvasFor('word'), { width: 64, height: 32 });
  const rng = new Rng(3);
  const kinds = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = sampleGlyphPrompt(rng, { kinds: ['letter', 'digit', 'word', 'number'] });
    kinds.add(p.kind);
    assert.deepEqual(parseGlyphPrompt(p.text), p);
    if (p.kind === 'number') assert.notEqual(p.target[0], '0');
  }
  assert.equal(kinds.size, 4);
  const a = sampleGlyphExample(new Rng(9), { kinds: ['word'] });
  const b = sampleGlyphExample(new Rng(9), { kinds: ['word'] });
  assert.deepEqual(a, b, 'seeded');
  assert.equal(a.image.width, 64);
  assert.equal(renderGlyphPrompt(glyphPrompt('digit', '7')).width, 32);
});
