// Advantage Weighted Matching (Xue et al., arXiv 2509.25050) as an Algorithm of the shared training loop: its
// config section, class and loss.
export { awmSectionSchema, DEFAULT_AWM_SECTION, parseAwmSection, type AwmSection, type AwmSettings } from './config.js';
export { AwmAlgorithm } from './algorithm.js';
export { awmLoss, awmLogProb, awmAdvantages, type AwmLoss, type AwmLossInput, type AwmWeighting } from './loss.js';
export { awmUpdateStage, type AwmUpdateDiagnostics, type AwmUpdateInput } from './update-stage.js';
