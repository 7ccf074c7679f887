// DDPO (Black et al., arXiv 2305.13301) as an Algorithm of the shared training loop: its config section and class.
export { ddpoSectionSchema, DEFAULT_DDPO_SECTION, parseDdpoSection, type DdpoSection, type DdpoSettings } from './config.js';
export { DdpoAlgorithm } from './algorithm.js';
