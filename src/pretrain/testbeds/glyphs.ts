// The glyph task (DESIGN §4), single characters: `the letter "A"` / `the digit "7"` → a 32×32 greyscale glyph,
// trained on DejaVu renderings with font, style, size and position variety (src/data/glyphs/), judged by OCR
// (tesseract.js, src/eval/ocr/). The base is meant to be imperfect — RL with the OCR reward has to close the gap.
//
// The testbed interface is synchronous and tesseract.js is not (its workers are threads answering promises), so
// `evaluate` runs the OCR scorer in a child Node process and waits for it (spawnSync): the same scorer, options
// and numbers as the OCR reward, at the cost of ~1 s of worker start-up per evaluation.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { deepFreeze } from '../../config/load.js';
import type { RGBImage } from '../../data/image.js';
import { glyphTensorBatch } from '../../data/glyphs/batch.js';
import { allCharacterPrompts, type GlyphPrompt } from '../../data/glyphs/prompts.js';
import { GLYPH_CHARACTER_VOCABULARY } from '../../data/glyphs/vocabulary.js';
import { TextToImageModel, parseTextToImageConfig, type TextToImageConfig } from '../../models/text-to-image.js';
import { SHAPES_UNET_CONFIG } from '../../models/unet-config.js';
import { generateImages, type FlowSamplingOptions } from '../../pipeline/text-to-image.js';
import { writeGridPng } from '../../eval/report/png.js';
import { asImageModel } from './shapes.js';
import { checkEncoderFits, type TrainingTestbed } from './types.js';

/** Kinds trained on: both 32×32 single-character kinds (capitals and digits, 36 prompts). */
export const GLYPH_TESTBED_KINDS = Object.freeze(['letter', 'digit'] as const);

/**
 * One channel, 16/32/64 channels at 32/16/8, cross-attention at 8×8 only: the Fashion-MNIST / MNIST architecture
 * (≈ 0.57 M parameters). 36 fixed prompts make the encoder a label embedding in effect, so it stays one layer.
 */
export const GLYPH_TEXT_TO_IMAGE_CONFIG: TextToImageConfig = deepFreeze({
  encoder: {
    vocabSize: 48,
    maxTokens: GLYPH_CHARACTER_VOCABULARY.maxTokens,
    dim: 64,
    layers: 1,
    heads: 4,
    mlpRatio: 2,
  },
  unet: {
    ...SHAPES_UNET_CONFIG,
    inChannels: 1,
    outChannels: 1,
    baseChannels: 16,
    channelMult: [1, 2, 4],
    contextDim: 64,
    crossAttentionResolutions: [8],
  },
});

/** The evaluation prompts: each of the 36 characters `perCharacter` times, character-major. */
export function glyphEvalPrompts(perCharacter: number): GlyphPrompt[] {
  if (!Number.isInteger(perCharacter) || perCharacter < 1) {
    throw new Error(`refract glyphs: samples per character must be a positive integer, got ${perCharacter}`);
  }
  return allCharacterPrompts().flatMap((p) => Array.from({ length: perCharacter }, () => p));
}

/** One sample per prompt (seeds 0..n−1 offset by `seed`, generateImages' convention), greyscale replicated to RGB. */
export function sampleGlyphs(
  model: TextToImageModel,
  prompts: readonly GlyphPrompt[],
  sampling: FlowSamplingOptions,
  seed = 0,
): RGBImage[] {
  return generateImages(
    model,
    prompts.map((p) => p.text),
    { ...sampling, vocabulary: GLYPH_CHARACTER_VOCABULARY, seed },
  );
}

export interface GlyphOcrResult {
  /** Mean OCR accuracy (Flow-GRPO's 1 − normalised edit distance; 0/1 for a single character). */
  accuracy: number;
  /** Mean accuracy per target character. */
  perTarget: Record<string, number>;
  /** What tesseract read, per sample. */
  read: string[];
}

/** The child's program: scores the images on stdin with OcrScorer and prints the scores as JSON. */
const CHILD_PROGRAM = `
import { OcrScorer } from ${JSON.stringify(new URL('../../eval/ocr/scorer.js', import.meta.url).href)};
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const images = job.images.map((g) => {
  const grey = Buffer.from(g.grey, 'base64');
  const plane = g.width * g.height;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) data[c * plane + p] = grey[p] / 255;
  return { width: g.width, height: g.height, data };
});
const scorer = await OcrScorer.create();
try {
  const scores = await scorer.score(images, job.targets);
  process.stdout.write(JSON.stringify(scores.map((s) => ({ read: s.read, accuracy: s.accuracy }))));
} finally {
  await scorer.close();
}
`;

/**
 * OCR accuracy of images against targets, computed synchronously in a child process (see the file comment).
 * Images are sent as 8-bit grey (channel 0), which is what the OCR preprocessing reads of a grey image.
 */
export function ocrScoreSync(images: readonly RGBImage[], targets: readonly string[]): GlyphOcrResult {
  if (images.length !== targets.length || images.length === 0) {
    throw new Error(
      `refract glyphs: OCR needs one target per image and at least one image, got ${images.length} images and ${targets.length} targets`,
    );
  }
  const job = {
    targets,
    images: images.map((img) => {
      const plane = img.width * img.height;
      const grey = Buffer.alloc(plane);
      for (let p = 0; p < plane; p++) grey[p] = Math.round(Math.min(1, Math.max(0, img.data[p]!)) * 255);
      return { width: img.width, height: img.height, grey: grey.toString('base64') };
    }),
  };
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD_PROGRAM], {
    input: JSON.stringify(job),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new Error(
      `refract glyphs: the OCR child process must exit 0, got ${child.status ?? child.signal} — ${child.stderr.trim().slice(-500)}`,
    );
  }
  const scores = JSON.parse(child.stdout) as { read: string; accuracy: number }[];
  const sums = new Map<string, { sum: number; n: number }>();
  scores.forEach((s, i) => {
    const t = sums.get(targets[i]!) ?? { sum: 0, n: 0 };
    sums.set(targets[i]!, { sum: t.sum + s.accuracy, n: t.n + 1 });
  });
  return {
    accuracy: scores.reduce((a, s) => a + s.accuracy, 0) / scores.length,
    perTarget: Object.fromEntries([...sums].map(([k, v]) => [k, v.sum / v.n])),
    read: scores.map((s) => s.read),
  };
}

export const GLYPHS_TESTBED: TrainingTestbed = {
  name: 'glyphs',
  vocabulary: GLYPH_CHARACTER_VOCABULARY,
  defaultModelConfig: GLYPH_TEXT_TO_IMAGE_CONFIG,
  createModel(config, where) {
    const model = new TextToImageModel(parseTextToImageConfig(config, where));
    checkEncoderFits(model, GLYPH_CHARACTER_VOCABULARY, where);
    return model;
  },
  batch(rng, batchSize, config) {
    const b = glyphTensorBatch(rng, batchSize, GLYPH_CHARACTER_VOCABULARY, {
      kinds: GLYPH_TESTBED_KINDS,
      condDropout: config.training.condDropout,
    });
    return { x: b.images, tokens: b.tokens };
  },
  evaluate(model, o) {
    const prompts = glyphEvalPrompts(o.n);
    const images = sampleGlyphs(asImageModel(model, 'glyphs'), prompts, o.sampling);
    const r = ocrScoreSync(
      images,
      prompts.map((p) => p.target),
    );
    const mean = (kind: string): number => {
      const xs = prompts.flatMap((p, i) => (p.kind === kind ? [r.read[i] === p.target ? 1 : 0] : []));
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    return { metric: 'OCR accuracy', overall: r.accuracy, details: { letters: mean('letter'), digits: mean('digit') } };
  },
  writePreview(model, dir) {
    const prompts = glyphEvalPrompts(4);
    const images = sampleGlyphs(asImageModel(model, 'glyphs'), prompts, { steps: 20, guidance: 3, sde: 'ode' });
    const file = path.join(dir, 'preview.png');
    writeGridPng(file, images, { cols: 12 }); // three characters per row, four samples each
    return file;
  },
};
