// DiffusionNFT (Zheng et al., arXiv 2509.16117) as an Algorithm of the shared training loop: its config section,
// class and loss.
export { nftSectionSchema, DEFAULT_NFT_SECTION, parseNftSection, type NftSection, type NftSettings } from './config.js';
export { NftAlgorithm } from './algorithm.js';
export { nftLoss, optimalityProbability, type NftLoss, type NftLossInput } from './loss.js';
export { nftUpdateStage, type NftUpdateDiagnostics, type NftUpdateInput } from './update-stage.js';
