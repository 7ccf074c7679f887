/**
 * Prompt → image for the glyph task: the gold rendering of a prompt (what a perfect generator would draw), and
 * seeded random examples with style, size and position variety for pretraining a text-conditioned generator.
 */
import type { RGBImage } from '../image.js';
import type { Rng } from '../rng.js';
import { canvasFor, sampleGlyphPrompt, type GlyphPrompt, type GlyphSampleOptions } from './prompts.js';
import { GLYPH_STYLES } from './fonts.js';
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

/**
 * A random prompt and a varied rendering of it: any style, fill in [0.6, 0.8], centre offset up to ±2 px.
 * The ranges keep every glyph fully inside the canvas and legible (OCR reads all of them; see the tests).
 */
export function sampleGlyphExample(rng: Rng, opts: Partial<GlyphSampleOptions> = {}): GlyphExample {
  const prompt = sampleGlyphPrompt(rng, opts);
  const render: Partial<GlyphRenderOptions> = {
    style: rng.choice(GLYPH_STYLES),
    fill: rng.range(0.6, 0.8),
    dx: rng.range(-2, 2),
    dy: rng.range(-2, 2),
  };
  return { prompt, image: renderGlyphPrompt(prompt, render), render };
}
