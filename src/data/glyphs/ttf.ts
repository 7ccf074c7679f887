/**
 * A minimal TrueType reader: enough of the OpenType spec (https://learn.microsoft.com/typography/opentype/spec/)
 * to draw Latin text from glyf-outline fonts such as DejaVu — the table directory, `head` (units per em, loca
 * format), `maxp`, `hhea` + `hmtx` (advance widths), `cmap` format 4 (Unicode BMP → glyph id), `loca` and `glyf`
 * (simple glyphs, and composite glyphs whose components are placed by x/y offsets with an optional scale).
 * Hinting instructions, kerning and shaping are ignored: at the sizes we render, box-filtered outlines read well
 * without them, and OCR does not need typographic kerning. CFF (.otf) fonts are not supported.
 */
import { readFileSync } from 'node:fs';

/** One outline point in font units (y up); `on` false marks a quadratic control point. */
export interface OutlinePoint {
  x: number;
  y: number;
  on: boolean;
}

export type Contour = OutlinePoint[];

export interface TtfFont {
  file: string;
  unitsPerEm: number;
  numGlyphs: number;
  /** Glyph id for a Unicode code point (0 = .notdef when missing). */
  glyphIndex(codePoint: number): number;
  /** The glyph's contours in font units (empty for blank glyphs such as space). */
  contours(glyphId: number): Contour[];
  /** Advance width in font units. */
  advance(glyphId: number): number;
}

interface Tables {
  [tag: string]: { offset: number; length: number };
}

const cache = new Map<string, TtfFont>();

export function loadTtf(file: string): TtfFont {
  const hit = cache.get(file);
  if (hit) return hit;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`refract glyphs: font ${file} must be readable, got ${code} — install Debian's fonts-dejavu-core`);
  }
  const font = parseTtf(bytes, file);
  cache.set(file, font);
  return font;
}

export function parseTtf(bytes: Uint8Array, file = '<buffer>'): TtfFont {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new Error(`refract glyphs: ${file} ${what} — is it a TrueType (glyf) font?`);
  };
  if (bytes.length < 12 || v.getUint32(0) !== 0x00010000)
    fail('must start with sfnt version 1.0 (CFF .otf fonts are not supported)');
  const tables: Tables = {};
  const numTables = v.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    const tag = String.fromCharCode(...bytes.subarray(rec, rec + 4));
    tables[tag] = { offset: v.getUint32(rec + 8), length: v.getUint32(rec + 12) };
  }
  for (const t of ['head', 'maxp', 'hhea', 'hmtx', 'cmap', 'loca', 'glyf'])
    if (!tables[t]) fail(`must have a '${t}' table`);
  const head = tables.head.offset;
  const unitsPerEm = v.getUint16(head + 18);
  const longLoca = v.getInt16(head + 50) === 1;
  const numGlyphs = v.getUint16(tables.maxp.offset + 4);
  const numHMetrics = v.getUint16(tables.hhea.offset + 34);
  const cmap = parseCmap4(v, tables.cmap.offset) ?? fail("must have a Unicode BMP 'cmap' subtable (format 4)");
  const loca = (g: number): number =>
    longLoca ? v.getUint32(tables.loca.offset + 4 * g) : 2 * v.getUint16(tables.loca.offset + 2 * g);
  const glyf = tables.glyf.offset;

  const contours = (gid: number, depth = 0): Contour[] => {
    if (gid < 0 || gid >= numGlyphs || depth > 8) return [];
    const start = loca(gid);
    if (loca(gid + 1) === start) return [];
    const at = glyf + start;
    const n = v.getInt16(at);
    return n >= 0 ? simpleGlyph(v, at, n) : compositeGlyph(v, at, (id) => contours(id, depth + 1));
  };
  const glyphIndex = (cp: number): number => cmap(cp);
  const advance = (gid: number): number => {
    const i = Math.min(gid, numHMetrics - 1);
    return v.getUint16(tables.hmtx.offset + 4 * i);
  };
  return { file, unitsPerEm, numGlyphs, glyphIndex, contours, advance };
}

/** cmap format 4 (platform 3 encoding 1, or platform 0) as a lookup function; null when absent. */
function parseCmap4(v: DataView, cmap: number): ((cp: number) => number) | null {
  const n = v.getUint16(cmap + 2);
  for (let i = 0; i < n; i++) {
    const platform = v.getUint16(cmap + 4 + 8 * i);
    const encoding = v.getUint16(cmap + 6 + 8 * i);
    const sub = cmap + v.getUint32(cmap + 8 + 8 * i);
    if (!((platform === 3 && encoding === 1) || platform === 0) || v.getUint16(sub) !== 4) continue;
    const segX2 = v.getUint16(sub + 6);
    const ends = sub + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const rangeOffsets = deltas + segX2;
    return (cp) => {
      if (cp > 0xffff) return 0;
      for (let s = 0; s < segX2; s += 2) {
        if (cp > v.getUint16(ends + s)) continue;
        const first = v.getUint16(starts + s);
        if (cp < first) return 0;
        const delta = v.getInt16(deltas + s);
        const ro = v.getUint16(rangeOffsets + s);
        if (ro === 0) return (cp + delta) & 0xffff;
        const g = v.getUint16(rangeOffsets + s + ro + 2 * (cp - first));
        return g === 0 ? 0 : (g + delta) & 0xffff;
      }
      return 0;
    };
  }
  return null;
}

/** A simple glyph: end points, instructions (skipped), flags with repeats, then delta-coded x and y. */
function simpleGlyph(v: DataView, at: number, numContours: number): Contour[] {
  const endPts: number[] = [];
  for (let i = 0; i < numContours; i++) endPts.push(v.getUint16(at + 10 + 2 * i));
  const numPoints = numContours === 0 ? 0 : endPts[numContours - 1] + 1;
  let p = at + 10 + 2 * numContours;
  p += 2 + v.getUint16(p); // instructionLength + instructions
  const flags: number[] = [];
  while (flags.length < numPoints) {
    const f = v.getUint8(p++);
    flags.push(f);
    if (f & 8) for (let r = v.getUint8(p++); r > 0; r--) flags.push(f);
  }
  const readCoords = (shortBit: number, sameBit: number): number[] => {
    const out: number[] = [];
    let c = 0;
    for (const f of flags) {
      if (f & shortBit) {
        const d = v.getUint8(p++);
        c += f & sameBit ? d : -d;
      } else if (!(f & sameBit)) {
        c += v.getInt16(p);
        p += 2;
      }
      out.push(c);
    }
    return out;
  };
  const xs = readCoords(2, 16);
  const ys = readCoords(4, 32);
  const contours: Contour[] = [];
  let first = 0;
  for (const end of endPts) {
    const c: Contour = [];
    for (let i = first; i <= end; i++) c.push({ x: xs[i], y: ys[i], on: (flags[i] & 1) === 1 });
    contours.push(c);
    first = end + 1;
  }
  return contours;
}

/** A composite glyph: components placed by x/y offsets and an optional uniform, x/y or 2×2 scale. */
function compositeGlyph(v: DataView, at: number, get: (gid: number) => Contour[]): Contour[] {
  const out: Contour[] = [];
  let p = at + 10;
  for (;;) {
    const flags = v.getUint16(p);
    const gid = v.getUint16(p + 2);
    p += 4;
    const words = (flags & 1) !== 0;
    const dx = words ? v.getInt16(p) : v.getInt8(p);
    const dy = words ? v.getInt16(p + 2) : v.getInt8(p + 1);
    p += words ? 4 : 2;
    // Point-matching placement (ARGS_ARE_XY_VALUES unset) is rare in Latin fonts; treat the args as offsets.
    let [a, b, c, d] = [1, 0, 0, 1];
    const f2dot14 = (o: number): number => v.getInt16(o) / 16384;
    if (flags & 0x08) {
      a = d = f2dot14(p);
      p += 2;
    } else if (flags & 0x40) {
      a = f2dot14(p);
      d = f2dot14(p + 2);
      p += 4;
    } else if (flags & 0x80) {
      [a, b, c, d] = [f2dot14(p), f2dot14(p + 2), f2dot14(p + 4), f2dot14(p + 6)];
      p += 8;
    }
    for (const contour of get(gid)) {
      out.push(contour.map((q) => ({ x: a * q.x + c * q.y + dx, y: b * q.x + d * q.y + dy, on: q.on })));
    }
    if (!(flags & 0x20)) break; // MORE_COMPONENTS
  }
  return out;
}
