// Diffusion-DPO (Wallace et al., arXiv 2311.12908) as an Algorithm of the shared training loop: its config section,
// class, loss and pairing.
export { dpoSectionSchema, dpoPairSourceSchema, DEFAULT_DPO_SECTION, parseDpoSection, type DpoSection, type DpoPairSourceConfig } from './config.js';
export { DiffusionDpoAlgorithm, type DpoDependencies } from './algorithm.js';
export { diffusionDpoLoss, type DpoLoss, type DpoLossInput } from './loss.js';
export { groupPreferencePairs, type IndexPair, type PairingRule } from './online-pairs.js';
export { dpoUpdate, pairFlowMatchingLosses, drawPairNoise, type PairBatch, type DpoUpdateLog, type DpoUpdateOptions } from './update.js';
export { loadPairPool, drawPairs, pairBatchOf, type PreferenceFileLoader } from './pair-source.js';
