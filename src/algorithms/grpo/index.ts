// GRPO (Flow-GRPO, arXiv 2505.05470) as an Algorithm of the shared training loop: its config section and factory.
import type { Algorithm, AlgorithmContext } from '../algorithm.js';
import type { GrpoSection } from './config.js';
import { GrpoAlgorithm } from './trainer.js';

export { grpoSectionSchema, DEFAULT_GRPO_SECTION, parseGrpoSection, type GrpoSection, type GrpoConfig } from './config.js';
export { GrpoAlgorithm, informativeSamples } from './trainer.js';

/** GRPO over the context's policy: AdamW on its trainable parameters (the prompt encoder frozen). */
export function createGrpo(ctx: AlgorithmContext, config: Readonly<GrpoSection>): Algorithm {
  return new GrpoAlgorithm(ctx, config);
}
