// Classifier evaluators for the real-data testbed (DESIGN §4): a small CNN trained by Refract on Fashion-MNIST or
// MNIST, used to score class-conditional generations.
export { SmallCnn, DEFAULT_CNN_CONFIG, CNN_INPUT_SIZE, type CnnConfig } from './model.js';
export { ImageClassifier, imagesToTensor, type ClassifierInfo, type ClassifyResult } from './classifier.js';
export {
  trainClassifier,
  DEFAULT_TRAIN_CONFIG,
  type TrainConfig,
  type TrainProgress,
  type TrainResult,
} from './train.js';
export { measureAccuracy, type AccuracyReport } from './accuracy.js';
export {
  saveClassifier,
  loadClassifier,
  loadShippedClassifier,
  classifierAssetPath,
  CLASSIFIER_FORMAT,
  type SaveClassifierOptions,
} from './io.js';
export { RECIPES, trainRecipe, type Recipe, type RecipeName, type RecipeResult } from './recipes.js';
export {
  evaluateClassConditional,
  CLASS_CONDITIONAL_TASKS,
  DEFAULT_CLASS_CONDITIONAL_EVAL,
  type ClassConditionalDataset,
  type ClassConditionalEvalOptions,
  type ClassConditionalResult,
} from './class-conditional.js';
