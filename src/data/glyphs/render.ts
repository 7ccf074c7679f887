/**
 * Renders short text into an RGBImage: the text's outline (fonts.ts) is framed, scaled to fill a fraction of the
 * canvas, centred (plus an optional offset) and rasterised with anti-aliasing (raster.ts).
 *
 * Framing: horizontally the ink extent; vertically the ink extent joined with the capital band (baseline to cap
 * height). Joining the band keeps case and size consistent: a lowercase "o" is drawn smaller than a capital "O"
 * rather than being blown up to the same size, and a "g" keeps its descender below the baseline.
 */
import { createImage, type RGBImage } from '../image.js';
import type { RGB } from '../shapes/types.js';
import { GLYPH_FONTS, GLYPH_STYLES, textOutline, type GlyphFont, type GlyphStyle } from './fonts.js';
import { rasterizePolygons, type Polygon } from './raster.js';

export interface GlyphRenderOptions {
  /** Canvas size in pixels. */
  width: number;
  height: number;
  font: GlyphFont;
  style: GlyphStyle;
  /** Fraction of the canvas the framed text may fill along its limiting side. */
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
  font: 'dejavu-sans',
  style: 'regular',
  fill: 0.75,
  dx: 0,
  dy: 0,
  fg: Object.freeze([1, 1, 1]) as RGB,
  bg: Object.freeze([0, 0, 0]) as RGB,
});

/** Ink coverage in [0, 1] of each canvas pixel (row-major, width·height). */
export function renderCoverage(text: string, opts: Partial<GlyphRenderOptions> = {}): Float32Array {
  const o = { ...DEFAULT_GLYPH_RENDER, ...opts };
  checkOptions(o);
  const outline = textOutline(text, o.font, o.style);
  const box = frame(outline.polys, outline.capTop, outline.advance);
  const s = Math.min((o.fill * o.width) / (box.x1 - box.x0), (o.fill * o.height) / (box.y1 - box.y0));
  const ox = (o.width - (box.x1 - box.x0) * s) / 2 + o.dx - box.x0 * s;
  const oy = (o.height - (box.y1 - box.y0) * s) / 2 + o.dy - box.y0 * s;
  const placed = outline.polys.map((p) => p.map((v, i) => (i % 2 === 0 ? ox + v * s : oy + v * s)));
  return rasterizePolygons(placed, o.width, o.height);
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

/** Ink box joined with the capital band [capTop, 0]; the advance box when there is no ink. */
function frame(
  polys: readonly Polygon[],
  capTop: number,
  advance: number,
): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = capTop,
    y1 = 0;
  for (const p of polys) {
    for (let i = 0; i < p.length; i += 2) {
      x0 = Math.min(x0, p[i]);
      x1 = Math.max(x1, p[i]);
      y0 = Math.min(y0, p[i + 1]);
      y1 = Math.max(y1, p[i + 1]);
    }
  }
  if (!(x1 > x0)) {
    x0 = 0;
    x1 = Math.max(advance, 1);
  }
  return { x0, x1, y0, y1 };
}

function checkOptions(o: GlyphRenderOptions): void {
  if (!Number.isInteger(o.width) || !Number.isInteger(o.height) || o.width < 8 || o.height < 8) {
    throw new Error(`refract glyphs: canvas must be integers ≥ 8, got ${o.width}×${o.height}`);
  }
  if (!(o.fill > 0 && o.fill <= 1)) throw new Error(`refract glyphs: fill must be in (0, 1], got ${o.fill}`);
  if (!(GLYPH_FONTS as readonly string[]).includes(o.font)) {
    throw new Error(`refract glyphs: font must be one of ${GLYPH_FONTS.join(', ')}, got '${o.font}'`);
  }
  if (!(GLYPH_STYLES as readonly string[]).includes(o.style)) {
    throw new Error(`refract glyphs: style must be one of ${GLYPH_STYLES.join(', ')}, got '${o.style}'`);
  }
}
