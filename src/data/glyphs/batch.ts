/**
 * Glyph-task training batches as tensors: one-channel images in [−1, 1] (white ink on black, the renderer's
 * default polarity, so the three rendered channels are equal and one is kept) with their prompt tokens.
 *
 * Why one channel: the glyphs are greyscale, and three output channels would only make the model learn that they
 * are equal (the Fashion-MNIST / MNIST testbeds decide the same way). RGB is made at the output by replication
 * (tensorToImages), which is what the OCR reward reads.
 */
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Rng } from '../rng.js';
import { dropPrompts, type WordVocabulary } from '../vocabulary.js';
import { sampleGlyphExample, type GlyphExample } from './examples.js';
import { DEFAULT_GLYPH_SAMPLE, canvasFor, type GlyphSampleOptions } from './prompts.js';

export interface GlyphTensorBatch {
  /** [B, 1, H, W] in [−1, 1]. */
  images: Tensor;
  /** [B, maxTokens] int64; all-pad rows are the null prompt. */
  tokens: Tensor;
  /** The prompts as trained on ('' where dropped to the null prompt). */
  prompts: string[];
  examples: GlyphExample[];
}

/**
 * B random examples (sampleGlyphExample: font, style, size and position variety), each prompt replaced by the
 * null prompt with probability `condDropout` (Ho & Salimans, arXiv 2207.12598, §3.2). Draw order: B examples,
 * then B dropout coins. The kinds must share a canvas size (letter + digit, or word + number).
 */
export function glyphTensorBatch(
  rng: Rng,
  batchSize: number,
  vocabulary: WordVocabulary,
  opts: Partial<GlyphSampleOptions> & { condDropout?: number } = {},
): GlyphTensorBatch {
  const kinds = opts.kinds ?? DEFAULT_GLYPH_SAMPLE.kinds;
  const sizes = new Set(
    kinds.map((k) => {
      const c = canvasFor(k);
      return `${c.width}×${c.height}`;
    }),
  );
  if (sizes.size !== 1) {
    throw new Error(
      `refract glyphs: batch kinds must share one canvas size, got ${[...sizes].join(' and ')} for ` +
        `[${kinds.join(', ')}] — train on letter + digit (32×32) or word + number (64×32)`,
    );
  }
  const examples = Array.from({ length: batchSize }, () => sampleGlyphExample(rng, opts));
  const { width, height } = examples[0]!.image;
  const plane = width * height;
  const data = new Float32Array(batchSize * plane);
  examples.forEach((ex, i) => {
    for (let p = 0; p < plane; p++) data[i * plane + p] = ex.image.data[p]! * 2 - 1; // channel 0 of the grey image
  });
  const prompts = dropPrompts(
    examples.map((ex) => ex.prompt.text),
    opts.condDropout ?? 0,
    () => rng.uniform(),
  );
  return torch.scope(() => ({
    images: torch.fromTypedArray(data, [batchSize, 1, height, width]),
    tokens: vocabulary.tokenizeBatch(prompts),
    prompts,
    examples,
  }));
}
