// Labelled sample grids: layout and PNG size, one label per cell, ✓/✗ drawn in their colours, XML escaping, text
// wrapping against DejaVu Sans widths, and the stored-sample path of the report (decode, gold verdict).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { Resvg } from '@resvg/resvg-js';
import {
  encodeLabelledGridPng,
  labelledGridSvg,
  writeLabelledGridPng,
  type LabelledCell,
} from '../../src/eval/report/labelled-grid.js';
import { escapeXml, textWidth, wrapText } from '../../src/eval/report/label-text.js';
import { downsample, goldVerdict, upscaleFactor } from '../../src/eval/report/sample-grids.js';
import { encodeGridPng } from '../../src/eval/report/png.js';
import { renderScene } from '../../src/data/shapes/render.js';
import type { SceneObject } from '../../src/data/shapes/types.js';
import type { RGBImage } from '../../src/data/image.js';

const scene = (...objects: SceneObject[]): RGBImage => renderScene({ width: 32, height: 32, objects });
const redCircle = scene({ shape: 'circle', color: 'red', cx: 16, cy: 16, size: 6 });
const blank: RGBImage = { width: 32, height: 32, data: new Float32Array(3 * 32 * 32) };

/** Pixels of a PNG region that are clearly green (the ✓ colour family) or clearly red (✗). */
function colourCounts(png: PNG, x0: number, y0: number, x1: number, y1: number): { green: number; red: number } {
  let green = 0;
  let red = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if (g > r + 40 && g > b + 20) green++;
      if (r > g + 60 && r > b + 60) red++;
    }
  }
  return { green, red };
}

test('labelled grid: PNG size follows the layout, one label per cell, marks only on judged cells', () => {
  // 32×32 at ×3 → 96 px images, cells 96 + 2·2 (frame) = 100 wide, 8 px gaps: 3 columns → 3·100 + 4·8 = 332.
  // One row of one-line labels: 8 + 96 + 4 (frame) + 4 + 15 (line: ⌈11·1.3⌉) + 8 = 135; a note adds one line.
  const cells: LabelledCell[] = [
    { image: redCircle, label: 'a red circle', verdict: true },
    { image: blank, label: 'a red circle', verdict: false },
    { image: blank, label: 'a red circle' },
  ];
  const svg = labelledGridSvg(cells);
  assert.equal((svg.match(/<text class="label"/g) ?? []).length, 3);
  assert.equal((svg.match(/<tspan class="mark"/g) ?? []).length, 2);
  assert.equal((svg.match(/<image /g) ?? []).length, 3);
  let png = PNG.sync.read(encodeLabelledGridPng(cells));
  assert.deepEqual([png.width, png.height], [332, 135]);
  png = PNG.sync.read(encodeLabelledGridPng([...cells, { ...cells[2]!, note: 'held-out' }], { cols: 2, title: 'T' }));
  // 2 rows; the title takes 11 + 2 + 8; row 2 holds the note: one more line.
  assert.deepEqual([png.width, png.height], [2 * 100 + 3 * 8, 8 + 21 + 2 * (96 + 4 + 4 + 8) + 15 + 30]);
});

test('labelled grid: the image is drawn 1:1 with nearest neighbour, a ✓ cell green and a ✗ cell red', () => {
  const png = PNG.sync.read(
    encodeLabelledGridPng([
      { image: redCircle, label: 'a red circle', verdict: true },
      { image: redCircle, label: 'a red circle', verdict: false },
    ]),
  );
  // Image pixels: the circle's centre pixel (16, 16) covers output pixels 8 + 2 + 48..50 (left cell).
  const at = (x: number, y: number): number[] => [
    ...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3),
  ];
  assert.deepEqual(at(10 + 48, 10 + 48), [255, 0, 0]);
  assert.deepEqual(at(10 + 1, 10 + 1), [0, 0, 0], 'background corner');
  // Label area (below the image): the ✓ cell holds green pixels and no red ones, the ✗ cell the opposite.
  const labelTop = 8 + 96 + 4;
  const pass = colourCounts(png, 8, labelTop, 108, png.height);
  const fail = colourCounts(png, 116, labelTop, 216, png.height);
  assert.ok(pass.green > 10 && pass.red === 0, `✓ cell: ${JSON.stringify(pass)}`);
  assert.ok(fail.red > 10 && fail.green === 0, `✗ cell: ${JSON.stringify(fail)}`);
  // The frames are green and red too.
  assert.ok(colourCounts(png, 8, 8, 108, 10).green > 50 && colourCounts(png, 116, 8, 216, 10).red > 50);
});

test('labelled grid: prompts are escaped for XML and the SVG stays well-formed', () => {
  const label = 'a <circle> & "square" \'x\'';
  const svg = labelledGridSvg([{ image: blank, label, verdict: true, note: '<&>' }], { title: 'a & b' });
  // (the label wraps over tspans, so its escaped words are checked one by one)
  for (const word of ['&lt;circle&gt;', '&amp;', '&quot;square&quot;', '&apos;x&apos;'])
    assert.ok(svg.includes(word), word);
  assert.ok(svg.includes('&lt;&amp;&gt;') && svg.includes('a &amp; b'));
  assert.ok(!svg.includes('<circle>') && !svg.includes('<&>'));
  assert.equal(escapeXml('<&>"\''), '&lt;&amp;&gt;&quot;&apos;');
  const png = PNG.sync.read(encodeLabelledGridPng([{ image: blank, label, verdict: true }]));
  assert.ok(png.width > 0, 'resvg parsed it');
});

test('labelled grid: bad input is named', () => {
  assert.throws(() => labelledGridSvg([]), /cells must be non-empty, got none/);
  const small: RGBImage = { width: 4, height: 4, data: new Float32Array(48) };
  assert.throws(
    () =>
      labelledGridSvg([
        { image: blank, label: 'a' },
        { image: small, label: 'b' },
      ]),
    /images must all be 32×32, got 4×4 at cell 1/,
  );
  assert.throws(
    () => labelledGridSvg([{ image: blank, label: 'a' }], { scale: 1.5 }),
    /scale must be a positive integer, got 1.5/,
  );
});

test('writeLabelledGridPng writes the PNG atomically, creating the folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-labelled-'));
  try {
    const file = path.join(dir, 'sub', 'grid.png');
    writeLabelledGridPng(file, [{ image: blank, label: 'a circle', verdict: false }]);
    assert.ok(existsSync(file));
    assert.equal(PNG.sync.read(readFileSync(file)).width, 116);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wrapText: lines fit the width, long words are cut, overflow ends in …', () => {
  const text = 'a purple triangle to the left of a yellow square';
  const lines = wrapText(text, 96, 11);
  assert.ok(lines.length > 1);
  assert.equal(lines.join(' '), text);
  for (const l of lines) assert.ok(textWidth(l, 11) <= 96, `${l} fits`);
  const indented = wrapText(text, 96, 11, Infinity, 30);
  assert.ok(textWidth(indented[0]!, 11) <= 66);
  const cut = wrapText('supercalifragilisticexpialidocious', 40, 11);
  assert.ok(cut.length > 1 && cut.join('') === 'supercalifragilisticexpialidocious');
  const two = wrapText(text, 96, 11, 2);
  assert.equal(two.length, 2);
  assert.ok(two[1]!.endsWith('\u2026') && textWidth(two[1]!, 11) <= 96);
  assert.throws(() => wrapText(text, 0, 11), /width must be > 0 px, got 0/);
});

test('textWidth matches the width resvg lays DejaVu Sans out with', () => {
  for (const s of ['a circle to the left of a square', 'four crosses', 'MWm 0123']) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="10" y="25" font-family="DejaVu Sans" font-size="20">|${s}|</text></svg>`;
    const r = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
    const bar = new Resvg(svg.replace(`|${s}|`, '||'), {
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    });
    // The bars' ink edges cancel: (|s| − ||) ink width = the laid-out advance of s. resvg kerns pairs (a little
    // narrower than the sum of advances), so the table may overestimate by ≤ 1%: wrapped lines still fit.
    const measured = r.getBBox()!.width - bar.getBBox()!.width;
    const table = textWidth(s, 20);
    const msg = `${s}: resvg ${measured.toFixed(2)} px, table ${table.toFixed(2)} px`;
    assert.ok(table >= measured - 0.5 && table <= measured * 1.01 + 0.5, msg);
  }
});

test('stored samples: the ×4 PNG reads back as the judged image; the gold verdict needs a Shapes prompt', () => {
  const png = PNG.sync.read(encodeGridPng([redCircle], { cols: 1, gap: 0 }));
  const blankPng = PNG.sync.read(encodeGridPng([blank], { cols: 1, gap: 0 }));
  assert.equal(upscaleFactor([png]), 4);
  assert.equal(upscaleFactor([blankPng]), 8, 'a flat picture alone looks 8× upscaled ...');
  assert.equal(upscaleFactor([blankPng], 32), 4, '... the Shapes side fixes it');
  const back = downsample(png, 4);
  assert.deepEqual([back.width, back.height], [32, 32]);
  for (let i = 0; i < back.data.length; i++) {
    assert.equal(back.data[i], Math.fround(Math.round(Math.min(1, Math.max(0, redCircle.data[i]!)) * 255) / 255));
  }
  assert.equal(goldVerdict('a red circle', back), true);
  assert.equal(goldVerdict('a blue circle', back), false);
  assert.equal(goldVerdict('A  red circle ', back), true, 'case and spacing are ignored');
  assert.equal(goldVerdict('a red <circle>', back), null, 'not a Shapes prompt');
  assert.equal(goldVerdict('a red circle', null), null);
});
