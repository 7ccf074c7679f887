// The glyph task (DESIGN §4): letters, digits and short words rendered from a real font (GNU Unifont), prompts
// that quote the text, and seeded examples. Scored by OCR in src/eval/ocr/.
export { UNIFONT_HEX, loadUnifont, parseUnifontHex, glyphFor, type GlyphBitmap } from './unifont.js';
export {
  renderText,
  renderCoverage,
  textBitmap,
  GLYPH_STYLES,
  DEFAULT_GLYPH_RENDER,
  type GlyphStyle,
  type GlyphRenderOptions,
} from './render.js';
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
export { renderGlyphPrompt, sampleGlyphExample, type GlyphExample } from './examples.js';
