// Rewards (DESIGN §1–2): one interface, built-in engineered signals, learned preference models, composition and a
// cache. Advantages and multi-reward normalisation live in credit/, not here.
export * from './types.js';
export { batchSize, batchImages, batchImageTensor, batchClips, selectBatch, disposeBatch } from './batch.js';
export { validateResult, sampleOf, joinSamples, pixelMap, frameMap, type SampleReward } from './result.js';
export { LruCache, CachedReward, cachedReward, sampleKeys } from './cache.js';
export {
  ShapesGoldReward,
  shapesGoldReward,
  partialCredit,
  DEFAULT_SHAPES_GOLD_REWARD,
  type ShapesGoldRewardOptions,
} from './shapes-gold.js';
export * from './image-stats.js';
export {
  QualityReward,
  qualityReward,
  QUALITY_COMPONENTS,
  DEFAULT_QUALITY_REWARD,
  type QualityComponent,
  type QualityRewardOptions,
} from './quality.js';
export { ClassifierReward, classifierReward, promptedClass, type ClassifierRewardOptions } from './classifier.js';
export { OcrReward, ocrReward, ocrTarget } from './ocr.js';
export {
  NsfwReward,
  nsfwReward,
  unsafeProbability,
  NSFW_CLASSES,
  NSFW_MODELS,
  UNSAFE_CLASSES,
  DEFAULT_NSFW_REWARD,
  type NsfwClass,
  type NsfwModelName,
  type NsfwRewardOptions,
} from './nsfw.js';
export { PhysicsReward, physicsReward, DEFAULT_PHYSICS_REWARD, type PhysicsRewardOptions } from './physics.js';
export {
  ConstraintReward,
  constraintReward,
  VIOLATION_COMPONENT,
  DEFAULT_CONSTRAINT_REWARD,
  type ConstraintRewardOptions,
} from './constraint.js';
export {
  TorchScriptReward,
  torchscriptReward,
  DEFAULT_TORCHSCRIPT_REWARD,
  type TorchScriptRewardOptions,
} from './torchscript.js';
export { CompositeReward, compositeReward, type CompositeRewardOptions } from './composite.js';
export {
  REWARD_KINDS,
  REWARD_BUILDERS,
  rewardsConfigSchema,
  parseRewardSpecs,
  buildReward,
  type RewardKind,
  type RewardSpec,
} from './config.js';
export * from './preference/index.js';
