// The pretraining testbeds: a typed registry (STYLE §5), keyed by the config's `testbed` field.
import type { TestbedName, TrainingTestbed } from './types.js';
import { SHAPES_TESTBED } from './shapes.js';
import { FASHION_MNIST_TESTBED } from './fashion-mnist.js';
import { MNIST_TESTBED } from './mnist.js';
import { MOVING_SHAPES_TESTBED } from './moving-shapes.js';
import { GLYPHS_TESTBED } from './glyphs.js';

export const TESTBEDS: Readonly<Record<TestbedName, TrainingTestbed>> = Object.freeze({
  shapes: SHAPES_TESTBED,
  fashion_mnist: FASHION_MNIST_TESTBED,
  mnist: MNIST_TESTBED,
  moving_shapes: MOVING_SHAPES_TESTBED,
  glyphs: GLYPHS_TESTBED,
});

export {
  TESTBED_NAMES,
  checkEncoderFits,
  type TestbedName,
  type TrainingTestbed,
  type TrainingBatch,
  type PretrainModel,
  type TestbedEvalOptions,
  type TestbedEvalResult,
} from './types.js';
export { classConditionalModelConfig } from './class-conditional.js';
export { GLYPHS_TESTBED, GLYPH_TEXT_TO_IMAGE_CONFIG, glyphEvalPrompts, sampleGlyphs, ocrScoreSync } from './glyphs.js';
