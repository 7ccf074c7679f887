// GRPO (Flow-GRPO, arXiv 2505.05470) as an Algorithm of the shared training loop: its config section and class.
import type { Algorithm, AlgorithmContext } from '../algorithm.js';
import type { GrpoSection } from './config.js';
import { GrpoAlgorithm } from './algorithm.js';

export { grpoSectionSchema, DEFAULT_GRPO_SECTION, parseGrpoSection, type GrpoSection, type GrpoSettings } from './config.js';
export { GrpoAlgorithm } from './algorithm.js';

/** GRPO over the context's policy (the package's public entry point; the registry builds the class directly). */
export function createGrpo(ctx: AlgorithmContext, config: Readonly<GrpoSection>): Algorithm {
  return new GrpoAlgorithm(ctx, config);
}
