// DDPO (Black et al., arXiv 2305.13301) as an Algorithm of the shared training loop: its config section and factory.
import type { Algorithm, AlgorithmContext } from '../algorithm.js';
import type { DdpoSection } from './config.js';
import { DdpoAlgorithm } from './ddpo.js';

export { ddpoSectionSchema, DEFAULT_DDPO_SECTION, parseDdpoSection, type DdpoSection, type DdpoSettings } from './config.js';
export { DdpoAlgorithm } from './ddpo.js';

/** DDPO over the context's policy: DDIM(η) rollouts, per-prompt stat tracking, PPO-clip; AdamW (prompt encoder frozen). */
export function createDdpo(ctx: AlgorithmContext, config: Readonly<DdpoSection>): Algorithm {
  return new DdpoAlgorithm(ctx, config);
}
