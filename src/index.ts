// Refract's public API: `import { torch, sdeStepWithLogProb, ... } from 'refract'`.
export * as torch from './torch/index.js';
export * from './generate/index.js';
export * as models from './models/index.js';
export * as shapes from './data/shapes/index.js';
export * as shapesEval from './eval/shapes/index.js';
export * as rewards from './rewards/index.js';
export * as credit from './credit/index.js';
export { clippedPolicyLoss, type ClippedPolicyLoss, type ClippedPolicyLossInput } from './algorithms/policy-loss.js';
export { trainGrpo } from './algorithms/grpo/trainer.js';
export { parseGrpoConfig, DEFAULT_GRPO_CONFIG, type GrpoConfig } from './algorithms/grpo/config.js';
export { RunStore } from './store/run-store.js';
export { generateImages, rolloutPrompts } from './pipeline/text-to-image.js';
