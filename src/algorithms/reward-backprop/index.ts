// Reward back-propagation for differentiable rewards — ReFL (arXiv 2304.05977) and DRaFT-K / DRaFT-LV
// (arXiv 2309.17400) — as an Algorithm of the shared training loop: config section, class, sampler pieces.
export {
  rewardBackpropSectionSchema,
  DEFAULT_REWARD_BACKPROP_SECTION,
  parseRewardBackpropSection,
  reflStopRange,
  type RewardBackpropSection,
} from './config.js';
export { RewardBackpropAlgorithm, requireDifferentiable } from './algorithm.js';
export { odeSteps, predictX0, draftSample, draftLvPredictions, reflPrediction } from './ode-backprop.js';
export { referenceAnchor } from './anchor.js';
