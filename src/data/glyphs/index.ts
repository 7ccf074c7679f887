// The glyph task (DESIGN §4): letters, digits and short words rendered from real fonts (DejaVu TrueType outlines, GNU Unifont bitmaps), prompts
// that quote the text, and seeded examples. Scored by OCR in src/eval/ocr/.
export { UNIFONT_HEX, loadUnifont, parseUnifontHex, glyphFor, type GlyphBitmap } from './unifont.js';
export { loadTtf, parseTtf, type TtfFont, type Contour, type OutlinePoint } from './ttf.js';
export { flattenContour, rasterizePolygons, type Polygon } from './raster.js';
export {
  GLYPH_FONTS,
  GLYPH_STYLES,
  DEJAVU_DIR,
  textOutline,
  type GlyphFont,
  type GlyphStyle,
  type TextOutline,
} from './fonts.js';
export { renderText, renderCoverage, DEFAULT_GLYPH_RENDER, type GlyphRenderOptions } from './render.js';
export {
  GLYPH_KINDS,
  WORDS,
  UPPERCASE,
  LOWERCASE,
  DIGITS,
  canvasFor,
  glyphPrompt,
  parseGlyphPrompt,
  sampleGlyphPrompt,
  allCharacterPrompts,
  DEFAULT_GLYPH_SAMPLE,
  type GlyphKind,
  type GlyphPrompt,
  type GlyphSampleOptions,
} from './prompts.js';
export { renderGlyphPrompt, sampleGlyphExample, EXAMPLE_FONTS, type GlyphExample } from './examples.js';
