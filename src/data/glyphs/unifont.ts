/**
 * GNU Unifont bitmaps (https://unifoundry.com/unifont/), read from the .hex file that Debian's `unifont` package
 * installs: one line per code point, `XXXX:<hex>`, where the hex digits are the glyph's 16 rows, 8 pixels wide
 * (32 digits) or 16 wide (64 digits), most significant bit leftmost. Why Unifont: a real, hand-drawn font whose
 * bitmaps need no rasteriser (a TrueType route would need a glyph-outline renderer), and whose Latin glyphs are
 * clean enough that tesseract reads them once scaled up.
 *
 * Only the Basic Latin and Latin-1 blocks (U+0000–U+00FF) are parsed: prompts use ASCII letters and digits, and
 * stopping early keeps loading to a few milliseconds.
 */
import { readFileSync } from 'node:fs';

/** Where Debian's unifont package puts the .hex file. */
export const UNIFONT_HEX = '/usr/share/unifont/unifont.hex';

/** Rows of every Unifont glyph. */
export const GLYPH_ROWS = 16;

/** Caps and digits occupy rows CAP_TOP..CAP_BOTTOM−1 of the cell (ascenders start one row higher). */
export const CAP_TOP = 4;
export const CAP_BOTTOM = 14;

export interface GlyphBitmap {
  /** 8 or 16. */
  width: number;
  height: number;
  /** width·height bits, 1 = ink, row-major. */
  bits: Uint8Array;
}

const LAST_CODE_POINT = 0xff;
const cache = new Map<string, ReadonlyMap<number, GlyphBitmap>>();

/** Parses the .hex lines for U+0000–U+00FF. */
export function parseUnifontHex(text: string, file = '<text>'): Map<number, GlyphBitmap> {
  const out = new Map<number, GlyphBitmap>();
  for (const line of text.split('\n')) {
    const m = /^([0-9A-Fa-f]{4,6}):([0-9A-Fa-f]+)\s*$/.exec(line);
    if (!m) continue;
    const cp = parseInt(m[1], 16);
    if (cp > LAST_CODE_POINT) break; // the file is sorted by code point
    const hex = m[2];
    if (hex.length !== 32 && hex.length !== 64) {
      throw new Error(
        `refract glyphs: ${file} U+${m[1]} must have 32 or 64 hex digits, got ${hex.length} — not a Unifont .hex file?`,
      );
    }
    const width = hex.length / 4;
    const bits = new Uint8Array(width * GLYPH_ROWS);
    const digitsPerRow = width / 4;
    for (let r = 0; r < GLYPH_ROWS; r++) {
      const row = parseInt(hex.slice(r * digitsPerRow, (r + 1) * digitsPerRow), 16);
      for (let c = 0; c < width; c++) bits[r * width + c] = (row >> (width - 1 - c)) & 1;
    }
    out.set(cp, { width, height: GLYPH_ROWS, bits });
  }
  return out;
}

/** The Latin glyphs of `file` (cached). */
export function loadUnifont(file = process.env.REFRACT_UNIFONT_HEX ?? UNIFONT_HEX): ReadonlyMap<number, GlyphBitmap> {
  const hit = cache.get(file);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(
      `refract glyphs: Unifont file ${file} must be readable, got ${code} — install Debian's unifont package or set REFRACT_UNIFONT_HEX`,
    );
  }
  const glyphs = parseUnifontHex(text, file);
  cache.set(file, glyphs);
  return glyphs;
}

/** The bitmap of one character, with an error naming it when the font lacks it. */
export function glyphFor(font: ReadonlyMap<number, GlyphBitmap>, ch: string): GlyphBitmap {
  const cp = ch.codePointAt(0) ?? -1;
  const g = font.get(cp);
  if (!g) {
    throw new Error(
      `refract glyphs: character ${JSON.stringify(ch)} must be in Unifont's U+0000–U+00FF range, got U+${cp.toString(16)} — use ASCII`,
    );
  }
  return g;
}
