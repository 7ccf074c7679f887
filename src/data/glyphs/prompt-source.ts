/**
 * Training prompts of the glyph task for RL: a random single-character prompt (`the letter "A"`) carrying its
 * structured form (RewardPrompt.glyph), which the OCR reward reads its target from.
 *
 * The shape matches `PromptSource` of src/algorithms/algorithm.ts structurally — data sits below rewards and
 * algorithms in the layer order, so it cannot import either interface.
 */
import type { Rng } from '../rng.js';
import { DEFAULT_GLYPH_SAMPLE, sampleGlyphPrompt, type GlyphPrompt, type GlyphSampleOptions } from './prompts.js';

/** A prompt with its glyph structure: assignable to the rewards' RewardPrompt (data may not import rewards). */
export interface GlyphTrainingPrompt {
  text: string;
  glyph: GlyphPrompt;
}

export class GlyphPromptSource {
  readonly name = 'glyphs';
  readonly options: Readonly<GlyphSampleOptions>;

  constructor(opts: Partial<GlyphSampleOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_GLYPH_SAMPLE, ...opts });
    if (this.options.kinds.length === 0) {
      throw new Error('refract glyphs: prompt source kinds must list at least one kind, got []');
    }
  }

  /** One prompt drawn from `rng` alone: a kind from `kinds`, then a uniform target of that kind. */
  sample(rng: Rng): GlyphTrainingPrompt {
    const glyph = sampleGlyphPrompt(rng, this.options);
    return { text: glyph.text, glyph };
  }
}
