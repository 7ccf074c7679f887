// What the pretraining loop needs from a testbed (STYLE §4: one loop, a small adapter per variant): training
// batches, the model it trains and its default architecture, the prompt vocabulary, an evaluation and a preview.
// The loop (../loop.ts) never looks past this interface; one implementation per file in this folder.
import type { Tensor } from '../../torch/index.js';
import type { Rng } from '../../data/rng.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import type { TextToImageConfig, TextToImageModel } from '../../models/text-to-image.js';
import type { TextToVideoConfig, TextToVideoModel } from '../../models/text-to-video.js';
import type { FlowSamplingOptions } from '../../pipeline/text-to-image.js';
import type { PretrainConfig } from '../config.js';
import type { GroundingArrays } from '../../data/shapes/grounding.js';
import type { RGBImage } from '../../data/image.js';

export const TESTBED_NAMES = ['shapes', 'fashion_mnist', 'mnist', 'moving_shapes', 'glyphs'] as const;
export type TestbedName = (typeof TESTBED_NAMES)[number];

/** The generators the loop can train. */
export type PretrainModel = TextToImageModel | TextToVideoModel;

export interface TrainingBatch {
  /** Data in [−1, 1]: images [B, C, H, W] or clips [B, C, F, H, W]. */
  x: Tensor;
  /** [B, L] int64 prompt tokens; all-pad rows (the null prompt) train the unconditional model for CFG. */
  tokens: Tensor;
  /** Grounding targets of the noun tokens, when config.training.grounding asks for them (Shapes only). */
  grounding?: GroundingArrays;
}

export interface TestbedEvalOptions {
  /** Samples per category (Shapes), per class (Fashion-MNIST, MNIST), or clips in all (moving shapes). */
  n: number;
  sampling: FlowSamplingOptions;
}

export interface TestbedEvalResult {
  /** What `overall` measures, for logs: e.g. 'ShapesEval', 'class accuracy', 'physics pass rate'. */
  metric: string;
  /** In [0, 1]. */
  overall: number;
  details: Record<string, number>;
  /** The evaluated samples with their verdicts, for the run store (testbeds that return them). */
  samples?: TestbedSample[];
}

/** One evaluated sample: an image (one frame) or a clip (its frames), its prompt, seed and gold verdict. */
export interface TestbedSample {
  prompt: string;
  seed: number;
  pass: boolean;
  frames: RGBImage[];
}

export interface TrainingTestbed {
  readonly name: TestbedName;
  readonly vocabulary: WordVocabulary;
  /** The architecture that `config.model` overrides are merged into (its encoder fits `vocabulary`). */
  readonly defaultModelConfig: TextToImageConfig | TextToVideoConfig;
  /** Validates a full architecture config (errors say `where`) and builds a fresh model. */
  createModel(config: unknown, where: string): PretrainModel;
  /**
   * B training examples drawn from `rng` alone (so a step's batch is a function of (seed, step)), each prompt
   * dropped to the null prompt with probability config.training.condDropout.
   */
  batch(rng: Rng, batchSize: number, config: Readonly<PretrainConfig>): TrainingBatch;
  /** The testbed's benchmark on generated samples (the EMA model during pretraining). */
  evaluate(model: PretrainModel, o: TestbedEvalOptions): TestbedEvalResult;
  /** Writes a small sample preview into `dir` (PNG grid or animated GIF); returns the file written. */
  writePreview(model: PretrainModel, dir: string): string;
}

/** Throws unless the model's prompt encoder can embed every prompt of the testbed's vocabulary. */
export function checkEncoderFits(model: PretrainModel, vocabulary: WordVocabulary, where: string): void {
  const e = model.config.encoder;
  if (e.vocabSize < vocabulary.size || e.maxTokens < vocabulary.maxTokens) {
    model.dispose();
    throw new Error(
      `${where}: encoder must hold vocabSize ≥ ${vocabulary.size} and maxTokens ≥ ${vocabulary.maxTokens} for the ` +
        `${vocabulary.name} vocabulary, got ${e.vocabSize} and ${e.maxTokens} — raise model.encoder.vocabSize / maxTokens`,
    );
  }
}
