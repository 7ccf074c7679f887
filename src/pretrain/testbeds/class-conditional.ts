// The shared shape of the labelled real-data testbeds (Fashion-MNIST, MNIST): class-conditional generation of
// 1-channel 32×32 images from one prompt per class, judged by the shipped classifier.
//
// Why one channel, padded 28 → 32: the data is greyscale, so three channels would only make the model learn that
// they are equal (and let sampling noise tint the output); the padded frame keeps pixel values and scale, matches
// the classifier's own inputs (labeled-images.ts), and keeps the U-Net's 32/16/8 layout. RGB is made only at the
// output, by replication (tensorToImages).
import path from 'node:path';
import { deepFreeze } from '../../config/load.js';
import { classConditionalBatch } from '../../data/class-prompts.js';
import type { LabeledImages } from '../../data/labeled-images.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import { TextToImageModel, parseTextToImageConfig, type TextToImageConfig } from '../../models/text-to-image.js';
import { SHAPES_UNET_CONFIG } from '../../models/unet-config.js';
import { evaluateClassConditional, type ClassConditionalDataset } from '../../eval/classifier/class-conditional.js';
import { writeGridPng } from '../../eval/report/png.js';
import { asImageModel } from './shapes.js';
import { checkEncoderFits, type TestbedName, type TrainingTestbed } from './types.js';

/** Ten fixed prompts: a one-layer, 64-wide encoder is plenty (it is in effect a label embedding). */
export function classConditionalModelConfig(vocabulary: WordVocabulary): TextToImageConfig {
  return deepFreeze({
    encoder: { vocabSize: 32, maxTokens: vocabulary.maxTokens, dim: 64, layers: 1, heads: 4, mlpRatio: 2 },
    unet: { ...SHAPES_UNET_CONFIG, inChannels: 1, outChannels: 1, contextDim: 64 },
  });
}

export interface ClassConditionalSpec {
  name: TestbedName;
  dataset: ClassConditionalDataset;
  /** The training split, loaded on first use (the loaders cache it). */
  load: () => LabeledImages;
  prompts: readonly string[];
  vocabulary: WordVocabulary;
}

export function classConditionalTestbed(spec: ClassConditionalSpec): TrainingTestbed {
  const { name, dataset, vocabulary } = spec;
  return {
    name,
    vocabulary,
    defaultModelConfig: classConditionalModelConfig(vocabulary),
    createModel(config, where) {
      const model = new TextToImageModel(parseTextToImageConfig(config, where));
      checkEncoderFits(model, vocabulary, where);
      return model;
    },
    batch(rng, batchSize, config) {
      const b = classConditionalBatch(
        rng,
        batchSize,
        spec.load(),
        spec.prompts,
        vocabulary,
        config.training.condDropout,
      );
      return { x: b.images, tokens: b.tokens };
    },
    evaluate(model, o) {
      const r = evaluateClassConditional(asImageModel(model, name), { dataset, perClass: o.n, sampling: o.sampling });
      return { metric: 'class accuracy', overall: r.accuracy, details: { ...r.perClass, meanProb: r.meanProb } };
    },
    writePreview(model, dir) {
      const r = evaluateClassConditional(asImageModel(model, name), { dataset, perClass: 8 });
      const file = path.join(dir, 'preview.png');
      writeGridPng(file, r.images.flat(), { cols: 8 }); // one row per class
      return file;
    },
  };
}
