// Reward-weighted regression (Peng et al., arXiv 1910.00177; DESIGN §3) as an Algorithm of the shared training
// loop: its config section, class and weights.
export { rwrSectionSchema, DEFAULT_RWR_SECTION, parseRwrSection, type RwrSection, type RwrSettings } from './config.js';
export { RwrAlgorithm } from './algorithm.js';
export { rewardWeights, effectiveSampleSize } from './weights.js';
