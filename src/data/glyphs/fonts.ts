/**
 * The fonts the glyph task draws with, and text → outline layout in each.
 *
 * - DejaVu Sans, Serif and Sans Mono (Debian's fonts-dejavu-core), each with its real bold and italic/oblique
 *   file: TrueType outlines, read by ttf.ts. These are the default: proportioned like print, so tesseract (trained
 *   on print) reads them reliably.
 * - GNU Unifont: 8×16 bitmaps, turned into unit squares; bold and italic are synthesised on the bitmap (a 1-pixel
 *   smear, a 1-in-4 shear). Its tall, narrow terminal letterforms are hard for OCR (A reads as H, O as 0 or I),
 *   so it is kept as an optional, harder style rather than the default.
 *
 * Layout units: y grows downwards, the baseline is y = 0, capitals reach y = −capHeight. Glyphs are placed by
 * their advance widths (no kerning).
 */
import path from 'node:path';
import { CAP_BOTTOM, CAP_TOP, GLYPH_ROWS, glyphFor, loadUnifont } from './unifont.js';
import { loadTtf, type TtfFont } from './ttf.js';
import { flattenContour, type Polygon } from './raster.js';

export const GLYPH_FONTS = ['dejavu-sans', 'dejavu-serif', 'dejavu-mono', 'unifont'] as const;
export type GlyphFont = (typeof GLYPH_FONTS)[number];

export const GLYPH_STYLES = ['regular', 'bold', 'italic'] as const;
export type GlyphStyle = (typeof GLYPH_STYLES)[number];

/** Where Debian's fonts-dejavu-core puts the TrueType files (override with REFRACT_DEJAVU_DIR). */
export const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';

const DEJAVU_FILES: Readonly<Record<Exclude<GlyphFont, 'unifont'>, Readonly<Record<GlyphStyle, string>>>> =
  Object.freeze({
    'dejavu-sans': { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', italic: 'DejaVuSans-Oblique.ttf' },
    'dejavu-serif': { regular: 'DejaVuSerif.ttf', bold: 'DejaVuSerif-Bold.ttf', italic: 'DejaVuSerif-Italic.ttf' },
    'dejavu-mono': {
      regular: 'DejaVuSansMono.ttf',
      bold: 'DejaVuSansMono-Bold.ttf',
      italic: 'DejaVuSansMono-Oblique.ttf',
    },
  });

/** Text as polygons in layout units, with the capital band [capTop, 0] the framing must include. */
export interface TextOutline {
  polys: Polygon[];
  capTop: number;
  /** Sum of advance widths: the layout box when the text has no ink (spaces). */
  advance: number;
}

export function textOutline(text: string, font: GlyphFont, style: GlyphStyle): TextOutline {
  if (text.length === 0) throw new Error('refract glyphs: text must be non-empty, got ""');
  if (!(GLYPH_FONTS as readonly string[]).includes(font)) {
    throw new Error(`refract glyphs: font must be one of ${GLYPH_FONTS.join(', ')}, got '${font}'`);
  }
  if (!(GLYPH_STYLES as readonly string[]).includes(style)) {
    throw new Error(`refract glyphs: style must be one of ${GLYPH_STYLES.join(', ')}, got '${style}'`);
  }
  return font === 'unifont' ? unifontOutline(text, style) : ttfOutline(text, dejavu(font, style));
}

function dejavu(font: Exclude<GlyphFont, 'unifont'>, style: GlyphStyle): TtfFont {
  const dir = process.env.REFRACT_DEJAVU_DIR ?? DEJAVU_DIR;
  return loadTtf(path.join(dir, DEJAVU_FILES[font][style]));
}

function ttfOutline(text: string, font: TtfFont): TextOutline {
  const polys: Polygon[] = [];
  let pen = 0;
  for (const ch of text) {
    const gid = font.glyphIndex(ch.codePointAt(0) ?? 0);
    if (gid === 0 && ch !== ' ') {
      throw new Error(
        `refract glyphs: character ${JSON.stringify(ch)} must exist in ${font.file}, got none — use ASCII letters and digits`,
      );
    }
    const x0 = pen;
    for (const c of font.contours(gid)) polys.push(flattenContour(c, (x, y) => [x0 + x, -y]));
    pen += font.advance(gid);
  }
  return { polys, capTop: -capHeight(font), advance: pen };
}

/** Height of 'H' (the cap height by definition), from its outline. */
function capHeight(font: TtfFont): number {
  let top = 0;
  for (const c of font.contours(font.glyphIndex(0x48))) for (const p of c) top = Math.max(top, p.y);
  return top > 0 ? top : 0.7 * font.unitsPerEm;
}

/** Unifont bitmaps (styled) as unit squares; the cell's row CAP_BOTTOM is the baseline. */
function unifontOutline(text: string, style: GlyphStyle): TextOutline {
  const font = loadUnifont();
  const cells = [...text].map((ch) => glyphFor(font, ch));
  const width = cells.reduce((a, g) => a + g.width, 0) + 2;
  const bits = new Uint8Array(width * GLYPH_ROWS);
  let x0 = 0;
  for (const g of cells) {
    for (let r = 0; r < GLYPH_ROWS; r++)
      for (let c = 0; c < g.width; c++) bits[r * width + x0 + c] = g.bits[r * g.width + c];
    x0 += g.width;
  }
  const polys: Polygon[] = [];
  for (let r = 0; r < GLYPH_ROWS; r++) {
    // Italic shifts rows above the baseline right by one pixel per four rows (≈ 14°).
    const shift = style === 'italic' ? Math.max(0, Math.floor((CAP_BOTTOM - r) / 4)) : 0;
    for (let c = 0; c < width; c++) {
      // Bold smears every stroke one pixel right (Unifont strokes are one pixel wide).
      const ink = bits[r * width + c] === 1 || (style === 'bold' && c > 0 && bits[r * width + c - 1] === 1);
      if (!ink) continue;
      const x = c + shift;
      const y = r - CAP_BOTTOM;
      polys.push([x, y, x + 1, y, x + 1, y + 1, x, y + 1]);
    }
  }
  return { polys, capTop: CAP_TOP - CAP_BOTTOM, advance: x0 };
}
