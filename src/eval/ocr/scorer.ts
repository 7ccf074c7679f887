/**
 * The OCR reward of the glyph task: read each image with tesseract and compare with the prompted text using
 * Flow-GRPO's normalised edit-distance accuracy (edit-distance.ts). Batched; the engine is created once and must
 * be closed (`close()`, or `withOcrScorer`).
 *
 * Per target, the scorer picks tesseract's page mode (one character → psm 10, one word → psm 8, with spaces →
 * psm 7) and, with `charset: 'auto'`, a whitelist from the target's character classes (digits only → 0–9, letters
 * only → A–Z a–z, else alphanumerics). Why: in print fonts O/0 and I/l/1 are nearly the same drawing, and without
 * the hint tesseract flips a coin between them. The cost: under 'auto' a digit-shaped drawing for a letter prompt
 * is read as the nearest letter; pass `charset: 'alnum'` for the strict reward.
 */
import type { RGBImage } from '../../data/image.js';
import { ocrAccuracy } from './edit-distance.js';
import { OcrEngine, type OcrEngineOptions, type OcrMode, type OcrRequest } from './engine.js';
import { ocrPng, type OcrPreprocessOptions } from './preprocess.js';

export type OcrCharset = 'auto' | 'alnum' | 'any';

export interface OcrScorerOptions {
  charset: OcrCharset;
  preprocess: Partial<OcrPreprocessOptions>;
  engine: Partial<OcrEngineOptions>;
}

export const DEFAULT_OCR_SCORER: Readonly<OcrScorerOptions> = Object.freeze({
  charset: 'auto',
  preprocess: {},
  engine: {},
});

export interface OcrScore {
  target: string;
  /** What tesseract read (trimmed). */
  read: string;
  /** 1 − normalised edit distance, in [0, 1]. */
  accuracy: number;
  /** Tesseract's confidence, 0–100. */
  confidence: number;
}

const DIGIT_SET = '0123456789';
const LETTER_SET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Page mode for a target: a single character, a single word, or a line. */
export function ocrModeFor(target: string): OcrMode {
  const t = target.trim();
  if ([...t].length === 1) return 'char';
  return /\s/.test(t) ? 'line' : 'word';
}

/** Tesseract whitelist for a target under a charset policy ('' = unrestricted). */
export function ocrCharsetFor(target: string, charset: OcrCharset): string {
  if (charset === 'any') return '';
  const t = target.replace(/\s+/g, '');
  if (charset === 'auto' && t.length > 0 && /^[0-9]+$/.test(t)) return DIGIT_SET;
  if (charset === 'auto' && t.length > 0 && /^[A-Za-z]+$/.test(t)) return LETTER_SET;
  return LETTER_SET + DIGIT_SET;
}

export class OcrScorer {
  private constructor(
    readonly engine: OcrEngine,
    readonly options: Readonly<OcrScorerOptions>,
  ) {}

  static async create(opts: Partial<OcrScorerOptions> = {}): Promise<OcrScorer> {
    const o = { ...DEFAULT_OCR_SCORER, ...opts };
    if (!['auto', 'alnum', 'any'].includes(o.charset)) {
      throw new Error(`refract ocr: charset must be 'auto', 'alnum' or 'any', got '${String(o.charset)}'`);
    }
    return new OcrScorer(await OcrEngine.create(o.engine), o);
  }

  /** Scores images[i] against targets[i]. */
  async score(images: readonly RGBImage[], targets: readonly string[]): Promise<OcrScore[]> {
    if (images.length !== targets.length) {
      throw new Error(
        `refract ocr: images and targets must have the same length, got ${images.length} and ${targets.length}`,
      );
    }
    const requests: OcrRequest[] = images.map((img, i) => ({
      png: ocrPng(img, this.options.preprocess),
      mode: ocrModeFor(targets[i]),
      charset: ocrCharsetFor(targets[i], this.options.charset),
    }));
    const readings = await this.engine.read(requests);
    return readings.map((r, i) => ({
      target: targets[i],
      read: r.text,
      accuracy: ocrAccuracy(r.text, targets[i]),
      confidence: r.confidence,
    }));
  }

  close(): Promise<void> {
    return this.engine.terminate();
  }
}

/** Runs `fn` with a fresh scorer and closes it afterwards, even when `fn` throws. */
export async function withOcrScorer<T>(
  fn: (scorer: OcrScorer) => Promise<T>,
  opts: Partial<OcrScorerOptions> = {},
): Promise<T> {
  const scorer = await OcrScorer.create(opts);
  try {
    return await fn(scorer);
  } finally {
    await scorer.close();
  }
}
