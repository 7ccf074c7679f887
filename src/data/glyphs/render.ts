/**
 * Renders short text from Unifont bitmaps into an RGBImage: glyph cells laid side by side, an optional synthetic
 * style (bold, italic) applied at font resolution, the ink box centred in the canvas and scaled with a box filter.
 *
 * Box filtering (each output pixel takes the exact fraction of its area covered by ink) rather than nearest
 * neighbour: the scale is rarely an integer (2.4× for one capital in 32×32), and nearest would make strokes 2 or
 * 3 pixels wide at random; area coverage keeps stroke weight uniform and gives anti-aliased edges, which a
 * generator learns more easily and which OCR reads as well as hard edges.
 *
 * Vertical framing always spans at least the capital band (Unifont rows 4–13), so case survives: a lowercase
 * "o" is drawn smaller than a capital "O" rather than being blown up to the same size.
 */
import { createImage, type RGBImage } from '../image.js';
import type { RGB } from '../shapes/types.js';
import { CAP_BOTTOM, CAP_TOP, GLYPH_ROWS, glyphFor, loadUnifont, type GlyphBitmap } from './unifont.js';

export const GLYPH_STYLES = ['regular', 'bold', 'italic'] as const;
export type GlyphStyle = (typeof GLYPH_STYLES)[number];

export interface GlyphRenderOptions {
  /** Canvas size in pixels. */
  width: number;
  height: number;
  style: GlyphStyle;
  /** Fraction of the canvas the ink box may fill along its limiting side. */
  fill: number;
  /** Offset of the text's centre from the canvas centre, in pixels (for position variety). */
  dx: number;
  dy: number;
  /** Ink and background colours (default white on black, the shapes world's polarity). */
  fg: RGB;
  bg: RGB;
}

export const DEFAULT_GLYPH_RENDER: Readonly<GlyphRenderOptions> = Object.freeze({
  width: 32,
  height: 32,
  style: 'regular',
  fill: 0.75,
  dx: 0,
  dy: 0,
  fg: Object.freeze([1, 1, 1]) as RGB,
  bg: Object.freeze([0, 0, 0]) as RGB,
});

/** Columns added on the right so bold and italic never clip. */
const STYLE_MARGIN = 4;

/** The text as one bitmap of cells, styled. */
export function textBitmap(text: string, style: GlyphStyle = 'regular', font = loadUnifont()): GlyphBitmap {
  if (text.length === 0) throw new Error('refract glyphs: text must be non-empty, got ""');
  const cells = [...text].map((ch) => glyphFor(font, ch));
  const width = cells.reduce((a, g) => a + g.width, 0) + STYLE_MARGIN;
  const bits = new Uint8Array(width * GLYPH_ROWS);
  let x0 = 0;
  for (const g of cells) {
    for (let r = 0; r < GLYPH_ROWS; r++) {
      for (let c = 0; c < g.width; c++) if (g.bits[r * g.width + c]) bits[r * width + x0 + c] = 1;
    }
    x0 += g.width;
  }
  return applyStyle({ width, height: GLYPH_ROWS, bits }, style);
}

/** Bold: OR with a one-pixel right shift (Unifont's strokes are one pixel wide). Italic: shear ≈ 14°. */
function applyStyle(b: GlyphBitmap, style: GlyphStyle): GlyphBitmap {
  if (style === 'regular') return b;
  const out = new Uint8Array(b.bits.length);
  const { width: W } = b;
  for (let r = 0; r < b.height; r++) {
    // Italic shifts rows above the baseline (row CAP_BOTTOM) right by one pixel per four rows.
    const shift = style === 'italic' ? Math.max(0, Math.floor((CAP_BOTTOM - r) / 4)) : 0;
    for (let c = 0; c < W; c++) {
      if (!b.bits[r * W + c]) continue;
      const x = c + shift;
      if (x < W) out[r * W + x] = 1;
      if (style === 'bold' && c + 1 < W) out[r * W + c + 1] = 1;
    }
  }
  return { width: W, height: b.height, bits: out };
}

/** Ink coverage in [0, 1] of each canvas pixel (row-major, width·height). */
export function renderCoverage(text: string, opts: Partial<GlyphRenderOptions> = {}): Float32Array {
  const o = { ...DEFAULT_GLYPH_RENDER, ...opts };
  checkOptions(o);
  const b = textBitmap(text, o.style);
  const box = inkBox(b);
  const inkW = box.x1 - box.x0;
  const inkH = box.y1 - box.y0;
  const s = Math.min((o.fill * o.width) / inkW, (o.fill * o.height) / inkH);
  const ox = (o.width - inkW * s) / 2 + o.dx;
  const oy = (o.height - inkH * s) / 2 + o.dy;
  const cols = overlaps(o.width, ox, s, box.x0, box.x1);
  const rows = overlaps(o.height, oy, s, box.y0, box.y1);
  const out = new Float32Array(o.width * o.height);
  for (let y = 0; y < o.height; y++) {
    for (const [sy, wy] of rows[y]) {
      for (let x = 0; x < o.width; x++) {
        let acc = 0;
        for (const [sx, wx] of cols[x]) acc += b.bits[sy * b.width + sx] * wx;
        out[y * o.width + x] += acc * wy;
      }
    }
  }
  return out;
}

/** The text drawn as an RGBImage: bg·(1 − coverage) + fg·coverage per channel. */
export function renderText(text: string, opts: Partial<GlyphRenderOptions> = {}): RGBImage {
  const o = { ...DEFAULT_GLYPH_RENDER, ...opts };
  const cov = renderCoverage(text, o);
  const img = createImage(o.width, o.height);
  const plane = o.width * o.height;
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) img.data[c * plane + p] = o.bg[c] * (1 - cov[p]) + o.fg[c] * cov[p];
  }
  return img;
}

/** Ink columns of the text and rows spanning at least the capital band; half-open. */
function inkBox(b: GlyphBitmap): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = b.width, x1 = 0, y0 = CAP_TOP, y1 = CAP_BOTTOM;
  for (let r = 0; r < b.height; r++) {
    for (let c = 0; c < b.width; c++) {
      if (!b.bits[r * b.width + c]) continue;
      x0 = Math.min(x0, c);
      x1 = Math.max(x1, c + 1);
      y0 = Math.min(y0, r);
      y1 = Math.max(y1, r + 1);
    }
  }
  if (x1 <= x0) {
    // No ink at all (e.g. only spaces): frame the capital band over the cells.
    x0 = 0;
    x1 = b.width - STYLE_MARGIN;
  }
  return { x0, x1, y0, y1 };
}

/**
 * For each of `n` output pixels, the source cells in [lo, hi) it overlaps and the overlap length in source units
 * times s (so the weights of a fully covered output pixel sum to 1 over both axes).
 */
function overlaps(n: number, origin: number, s: number, lo: number, hi: number): [number, number][][] {
  const out: [number, number][][] = [];
  for (let p = 0; p < n; p++) {
    const a = (p - origin) / s + lo;
    const b = (p + 1 - origin) / s + lo;
    const list: [number, number][] = [];
    for (let k = Math.max(lo, Math.floor(a)); k < Math.min(hi, Math.ceil(b)); k++) {
      const len = Math.min(b, k + 1) - Math.max(a, k);
      if (len > 0) list.push([k, len * s]);
    }
    out.push(list);
  }
  return out;
}

function checkOptions(o: GlyphRenderOptions): void {
  if (!Number.isInteger(o.width) || !Number.isInteger(o.height) || o.width < 8 || o.height < 8) {
    throw new Error(`refract glyphs: canvas must be integers ≥ 8, got ${o.width}×${o.height}`);
  }
  if (!(o.fill > 0 && o.fill <= 1)) throw new Error(`refract glyphs: fill must be in (0, 1], got ${o.fill}`);
  if (!(GLYPH_STYLES as readonly string[]).includes(o.style)) {
    throw new Error(`refract glyphs: style must be one of ${GLYPH_STYLES.join(', ')}, got '${o.style}'`);
  }
}
