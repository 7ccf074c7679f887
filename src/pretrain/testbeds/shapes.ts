// The Shapes world (DESIGN §4): procedurally rendered 32×32 scenes from compositional prompts, judged by ShapesEval.
import path from 'node:path';
import { shapesTensorBatch } from '../../data/shapes/batch.js';
import { DEFAULT_HELD_OUT } from '../../data/shapes/held-out.js';
import { DEFAULT_TRAINING_SAMPLE_OPTIONS } from '../../data/shapes/dataset.js';
import { SHAPES_VOCABULARY } from '../../data/shapes/vocab.js';
import { TextToImageModel, parseTextToImageConfig, SHAPES_TEXT_TO_IMAGE_CONFIG } from '../../models/text-to-image.js';
import { evaluateShapesModel } from '../../eval/shapes/model-eval.js';
import { writeGridPng } from '../../eval/report/png.js';
import { checkEncoderFits, type PretrainModel, type TrainingTestbed } from './types.js';
import { groundingEnabled } from '../grounding.js';

/** The model as an image model, or an error naming the testbed (a video checkpoint fed to an image testbed). */
export function asImageModel(model: PretrainModel, testbed: string): TextToImageModel {
  if (!(model instanceof TextToImageModel)) {
    throw new Error(`refract pretrain (${testbed}): model must be a TextToImageModel, got ${model.constructor.name}`);
  }
  return model;
}

export const SHAPES_TESTBED: TrainingTestbed = {
  name: 'shapes',
  vocabulary: SHAPES_VOCABULARY,
  defaultModelConfig: SHAPES_TEXT_TO_IMAGE_CONFIG,
  createModel(config: unknown, where: string) {
    const model = new TextToImageModel(parseTextToImageConfig(config, where));
    checkEncoderFits(model, SHAPES_VOCABULARY, where);
    return model;
  },
  batch(rng, batchSize, config) {
    const b = shapesTensorBatch(rng, batchSize, {
      heldOut: config.data.heldOut === 'default' ? DEFAULT_HELD_OUT : null,
      categoryWeights: { ...DEFAULT_TRAINING_SAMPLE_OPTIONS.categoryWeights, ...config.data.categoryWeights },
      condDropout: config.training.condDropout,
      grounding: groundingEnabled(config.training.grounding),
    });
    return { x: b.images, tokens: b.tokens, ...(b.grounding === undefined ? {} : { grounding: b.grounding }) };
  },
  evaluate(model, o) {
    const r = evaluateShapesModel(asImageModel(model, 'shapes'), { perCategory: o.n, sampling: o.sampling });
    return { metric: 'ShapesEval', overall: r.score.overall, details: { ...r.score.categories } };
  },
  writePreview(model, dir) {
    const r = evaluateShapesModel(asImageModel(model, 'shapes'), { perCategory: 2, samplesPerPrompt: 2 });
    const file = path.join(dir, 'preview.png');
    writeGridPng(file, r.images.flat(), { cols: 8 });
    return file;
  },
};
