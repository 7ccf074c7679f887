// OCR scoring for the glyph task (DESIGN §4): tesseract.js, offline, as a real external reward — Flow-GRPO's
// normalised edit-distance accuracy on what tesseract reads.
export { levenshtein, normalizeOcrText, ocrAccuracy, quotedTarget } from './edit-distance.js';
export { inkMap, ocrPage, ocrPng, DEFAULT_OCR_PREPROCESS, type OcrPreprocessOptions } from './preprocess.js';
export {
  OcrEngine,
  withOcrEngine,
  defaultLangPath,
  DEFAULT_OCR_ENGINE,
  type OcrEngineOptions,
  type OcrMode,
  type OcrRecognizer,
  type OcrRequest,
  type OcrReading,
} from './engine.js';
export {
  OcrScorer,
  withOcrScorer,
  ocrModeFor,
  ocrCharsetFor,
  DEFAULT_OCR_SCORER,
  type OcrCharset,
  type OcrScore,
  type OcrScorerOptions,
} from './scorer.js';
