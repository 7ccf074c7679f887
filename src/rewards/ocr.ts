/**
 * The OCR reward of the glyph task — Flow-GRPO's text-rendering reward (arXiv 2505.05470; yifan123/flow_grpo,
 * flow_grpo/ocr.py): r = 1 − min(d(read, target), |target|)/|target| with d the Levenshtein distance on
 * space-stripped, lower-cased strings (src/eval/ocr/edit-distance.ts). flow_grpo reads with PaddleOCR; we read
 * with tesseract.js, offline (src/eval/ocr/engine.ts). The target is the prompt's glyph target, else the text
 * between the first pair of double quotes (flow_grpo's convention), else the whole prompt.
 *
 * Components: `accuracy` (= total) and `confidence` (tesseract's, scaled to [0, 1]; a diagnostic — rewarding it
 * would reward whatever tesseract finds easy). The reward owns a tesseract worker pool: `close()` it.
 */
import { quotedTarget } from '../eval/ocr/edit-distance.js';
import { OcrScorer, type OcrScorerOptions } from '../eval/ocr/scorer.js';
import { batchImages } from './batch.js';
import type { RewardBatch, RewardModel, RewardPrompt, RewardResult } from './types.js';

export function ocrTarget(p: RewardPrompt): string {
  return p.glyph?.target ?? quotedTarget(p.text);
}

export class OcrReward implements RewardModel {
  readonly name = 'ocr';
  readonly version = '1';
  readonly components = ['accuracy', 'confidence'] as const;
  readonly differentiable = false;

  private constructor(readonly scorer: OcrScorer) {}

  static async create(opts: Partial<OcrScorerOptions> = {}): Promise<OcrReward> {
    return new OcrReward(await OcrScorer.create(opts));
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const images = batchImages(batch, 'reward ocr');
    const scores = await this.scorer.score(images, batch.prompts.map(ocrTarget));
    const accuracy = Float32Array.from(scores, (s) => s.accuracy);
    return {
      total: Float32Array.from(accuracy),
      components: { accuracy, confidence: Float32Array.from(scores, (s) => s.confidence / 100) },
      meta: {
        name: this.name,
        version: this.version,
        model: `tesseract-${this.scorer.options.engine.recognizer ?? 'legacy'}`,
      },
    };
  }

  close(): Promise<void> {
    return this.scorer.close();
  }
}

/** An OCR reward with its own tesseract workers (close it when done). */
export function ocrReward(opts: Partial<OcrScorerOptions> = {}): Promise<OcrReward> {
  return OcrReward.create(opts);
}
