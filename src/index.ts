// Refract's public API: `import { torch, sdeStepWithLogProb, ... } from 'refract'`.
export * as torch from './torch/index.js';
export * from './generate/index.js';
export * as models from './models/index.js';
export * as shapes from './data/shapes/index.js';
export * as shapesEval from './eval/shapes/index.js';
export * as rewards from './rewards/index.js';
export * as credit from './credit/index.js';
export {
  clippedPolicyLoss,
  denseClippedPolicyLoss,
  type ClippedPolicyLoss,
  type ClippedPolicyLossInput,
} from './algorithms/policy-loss.js';
export type { Algorithm, AlgorithmContext, AlgorithmStepLog, PromptSource } from './algorithms/algorithm.js';
export { createGrpo, parseGrpoSection, DEFAULT_GRPO_SECTION, type GrpoSection } from './algorithms/grpo/index.js';
export { runTraining } from './train/trainer.js';
export { parseRunConfig, loadRunConfig, DEFAULT_RUN_CONFIG, type RunConfig } from './train/config.js';
export * as audit from './reliability/audit/index.js';
export * as monitor from './reliability/monitor/index.js';
export { RunStore } from './store/run-store.js';
export { generateImages, rolloutPrompts } from './pipeline/text-to-image.js';
