// Sample grids for people: each image upscaled with nearest neighbour, its prompt wrapped to the cell width below
// it, and — when the gold evaluator judged it — a green ✓ or red ✗ before the prompt and a frame of that colour.
// Built as SVG (each image a PNG data URI already upscaled by png.ts, placed at 1:1 on whole pixels, so nothing is
// resampled) and rasterised by resvg with the system's DejaVu Sans, the font label-text.ts measures.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { RGBImage } from '../../data/image.js';
import { encodeGridPng } from './png.js';
import { escapeXml, textWidth, wrapText } from './label-text.js';

export interface LabelledCell {
  readonly image: RGBImage;
  /** The prompt (or any caption) written under the image. */
  readonly label: string;
  /** The gold verdict: true draws a green ✓, false a red ✗; null or absent draws no mark (not judged). */
  readonly verdict?: boolean | null;
  /** An extra grey line under the label (e.g. "proxy 0.83", "held-out"). */
  readonly note?: string;
}

export interface LabelledGridOptions {
  /** Columns; default min(cells, 8). */
  readonly cols?: number;
  /** Integer upscaling of the images; default 3 (32×32 → 96×96). */
  readonly scale?: number;
  /** Label font size in px; default 11. */
  readonly fontSize?: number;
  /** Most label lines per cell (longer prompts end in "…"); default 4. */
  readonly maxLines?: number;
  /** A heading above the grid. */
  readonly title?: string;
}

/** Mark colours (the report's .up/.down colours) and the frame of unjudged cells. */
export const VERDICT_COLOURS = Object.freeze({ pass: '#1a7f37', fail: '#c62828', none: '#999999' });
const FONT = "'DejaVu Sans', sans-serif";
const PAD = 8; // px between cells and at the edges
const FRAME = 2; // px of the verdict frame around each image
const MIN_CELL = 72; // px: small images still get a readable label width

/** The grid as SVG text (pure). Throws on no cells, images of different sizes or bad options. */
export function labelledGridSvg(cells: readonly LabelledCell[], opts: LabelledGridOptions = {}): string {
  const g = layout(cells, opts);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${g.width}" height="${g.height}" viewBox="0 0 ${g.width} ${g.height}">`,
    `<rect width="${g.width}" height="${g.height}" fill="#ffffff"/>`,
    opts.title
      ? `<text class="title" x="${PAD}" y="${PAD + g.fontSize + 2}" font-family="${FONT}" font-size="${g.fontSize + 2}" font-weight="bold" fill="#222222">${escapeXml(opts.title)}</text>`
      : '',
    ...cells.map((c, i) => cellSvg(c, i, g, PAD + (i % g.cols) * (g.cellW + PAD), g.rowY[Math.floor(i / g.cols)]!)),
    '</svg>',
  ];
  return parts.filter((p) => p !== '').join('\n');
}

/** The grid as PNG bytes: labelledGridSvg rasterised at 1:1 (width × height as laid out). */
export function encodeLabelledGridPng(cells: readonly LabelledCell[], opts: LabelledGridOptions = {}): Buffer {
  const resvg = new Resvg(labelledGridSvg(cells, opts), {
    fitTo: { mode: 'original' },
    background: 'white',
    imageRendering: 1, // optimizeSpeed: nearest neighbour, should anything be scaled
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Writes a labelled grid PNG atomically (temp file + rename, the temp removed on failure), creating the folder. */
export function writeLabelledGridPng(
  file: string,
  cells: readonly LabelledCell[],
  opts: LabelledGridOptions = {},
): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, encodeLabelledGridPng(cells, opts));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

interface Layout {
  readonly cols: number;
  readonly scale: number;
  readonly fontSize: number;
  readonly lineH: number;
  readonly markW: number;
  readonly cellW: number;
  readonly imgW: number;
  readonly imgH: number;
  /** Per cell, its wrapped label lines. */
  readonly lines: readonly (readonly string[])[];
  /** Top edge of each row: a row is as tall as its longest label (and its note, if a cell has one). */
  readonly rowY: readonly number[];
  readonly width: number;
  readonly height: number;
}

function layout(cells: readonly LabelledCell[], opts: LabelledGridOptions): Layout {
  const where = 'refract labelledGrid';
  if (cells.length === 0) throw new Error(`${where}: cells must be non-empty, got none`);
  const { width: w, height: h } = cells[0]!.image;
  const odd = cells.findIndex((c) => c.image.width !== w || c.image.height !== h);
  if (odd >= 0) {
    const o = cells[odd]!.image;
    throw new Error(`${where}: images must all be ${w}×${h}, got ${o.width}×${o.height} at cell ${odd}`);
  }
  const scale = opts.scale ?? 3;
  const cols = opts.cols ?? Math.min(cells.length, 8);
  const fontSize = opts.fontSize ?? 11;
  const maxLines = opts.maxLines ?? 4;
  for (const [k, v] of [
    ['scale', scale],
    ['cols', cols],
    ['fontSize', fontSize],
    ['maxLines', maxLines],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${k} must be a positive integer, got ${v}`);
  }
  const imgW = w * scale;
  const imgH = h * scale;
  const cellW = Math.max(imgW + 2 * FRAME, MIN_CELL);
  const lineH = Math.ceil(fontSize * 1.3);
  const markW = Math.ceil(textWidth('\u2713', markSize(fontSize), true) + textWidth(' ', fontSize));
  const lines = cells.map((c) => wrapText(c.label, cellW, fontSize, maxLines, hasMark(c) ? markW : 0));
  const rowY = [PAD + (opts.title ? fontSize + 2 + PAD : 0)];
  for (let r = 0; r * cols < cells.length; r++) {
    const row = cells.map((c, i) => ({ c, n: Math.max(1, lines[i]!.length) })).slice(r * cols, (r + 1) * cols);
    const textLines = Math.max(...row.map((x) => x.n + (x.c.note ? 1 : 0)));
    rowY.push(rowY[r]! + imgH + 2 * FRAME + 4 + textLines * lineH + PAD);
  }
  const titleW = opts.title ? Math.ceil(textWidth(opts.title, fontSize + 2, true)) + 2 * PAD : 0;
  const width = Math.max(cols * cellW + (cols + 1) * PAD, titleW); // a long title widens the picture
  const height = rowY.pop()!;
  return { cols, scale, fontSize, lineH, markW, cellW, imgW, imgH, lines, rowY, width, height };
}

/** The ✓/✗ is drawn larger than the label so it reads at a glance. */
function markSize(fontSize: number): number {
  return Math.round(fontSize * 1.4);
}

function hasMark(c: LabelledCell): boolean {
  return c.verdict === true || c.verdict === false;
}

/** Cell `k` at (x, y): the framed image, the label lines (the mark opening the first), then the note. */
function cellSvg(c: LabelledCell, k: number, g: Layout, x: number, y: number): string {
  const ix = x + Math.floor((g.cellW - g.imgW) / 2); // image left edge: centred on whole pixels
  const colour =
    c.verdict === true ? VERDICT_COLOURS.pass : c.verdict === false ? VERDICT_COLOURS.fail : VERDICT_COLOURS.none;
  const png = encodeGridPng([c.image], { cols: 1, gap: 0, scale: g.scale }).toString('base64');
  const lines = g.lines[k]!;
  const textY = y + g.imgH + 2 * FRAME + 4 + g.fontSize;
  const text = `font-family="${FONT}" font-size="${g.fontSize}"`;
  const out = [
    `<rect x="${ix - FRAME / 2}" y="${y + FRAME / 2}" width="${g.imgW + FRAME}" height="${g.imgH + FRAME}" fill="none" stroke="${colour}" stroke-width="${FRAME}"/>`,
    `<image x="${ix}" y="${y + FRAME}" width="${g.imgW}" height="${g.imgH}" image-rendering="optimizeSpeed" preserveAspectRatio="none" xlink:href="data:image/png;base64,${png}"/>`,
    `<text class="label" x="${x}" y="${textY}" ${text} fill="#222222">${lineSpans(c, lines, g, x)}</text>`,
  ];
  if (c.note) {
    const noteY = textY + Math.max(1, lines.length) * g.lineH;
    out.push(`<text class="note" x="${x}" y="${noteY}" ${text} fill="#666666">${escapeXml(c.note)}</text>`);
  }
  return `<g>${out.join('')}</g>`;
}

/** The label's lines as tspans, one per line; a judged cell's first line opens with its ✓/✗ (bold, coloured). */
function lineSpans(c: LabelledCell, lines: readonly string[], g: Layout, x: number): string {
  const spans = lines.map(
    (l, k) =>
      `<tspan x="${x + (k === 0 && hasMark(c) ? g.markW : 0)}" dy="${k === 0 ? 0 : g.lineH}">${escapeXml(l)}</tspan>`,
  );
  if (!hasMark(c)) return spans.join('');
  const colour = c.verdict ? VERDICT_COLOURS.pass : VERDICT_COLOURS.fail;
  const mark = `<tspan class="mark" x="${x}" font-size="${markSize(g.fontSize)}" font-weight="bold" fill="${colour}">${c.verdict ? '\u2713' : '\u2717'}</tspan>`;
  return mark + spans.join('');
}
