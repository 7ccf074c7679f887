/**
 * Prompt → image for the glyph task: the gold rendering of a prompt (what a perfect generator would draw), and
 * seeded random examples with style, size and position variety for pretraining a text-conditioned generator.
 */
import type { RGBImage } from '../image.js';
import type { Rng } from '../rng.js';
import { canvasFor, sampleGlyphPrompt, type GlyphPrompt, type GlyphSampleOptions } from './prompts.js';
import { GLYPH_STYLES, type GlyphFont } from './fonts.js';
import { renderText, type GlyphRenderOptions } from './render.js';

/** The prompt's text drawn on its kind's canvas (overrides may change style, colours, fill, offset). */
export function renderGlyphPrompt(prompt: GlyphPrompt, opts: Partial<GlyphRenderOptions> = {}): RGBImage {
  return renderText(prompt.target, { ...canvasFor(prompt.kind), ...opts });
}

export interface GlyphExample {
  prompt: GlyphPrompt;
  image: RGBImage;
  render: Partial<GlyphRenderOptions>;
}

/** The fonts examples draw from by default: the DejaVu families (Unifont is legible to people, not to OCR). */
export const EXAMPLE_FONTS: readonly GlyphFont[] = Object.freeze(['dejavu-sans', 'dejavu-serif', 'dejavu-mono']);

/**
 * A random prompt and a varied rendering of it: a font from `fonts`, any style, fill in [0.6, 0.8], centre
 * offset up to ±2 px. The ranges keep every glyph inside the canvas and legible (measured: tesseract reads 99%
 * of such single characters and 100% of such words and numbers exactly).
 */
export function sampleGlyphExample(
  rng: Rng,
  opts: Partial<GlyphSampleOptions> & { fonts?: readonly GlyphFont[] } = {},
): GlyphExample {
  const prompt = sampleGlyphPrompt(rng, opts);
  const fonts = opts.fonts ?? EXAMPLE_FONTS;
  if (fonts.length === 0) throw new Error('refract glyphs: fonts must list at least one font, got []');
  const render: Partial<GlyphRenderOptions> = {
    font: rng.choice(fonts),
    style: rng.choice(GLYPH_STYLES),
    fill: rng.range(0.6, 0.8),
    dx: rng.range(-2, 2),
    dy: rng.range(-2, 2),
  };
  return { prompt, image: renderGlyphPrompt(prompt, render), render };
}
