// Reward-weighted regression (Peng et al., arXiv 1910.00177; DESIGN §3) as an Algorithm of the shared training
// loop: its config section and factory.
import type { Algorithm, AlgorithmContext } from '../algorithm.js';
import type { RwrSection } from './config.js';
import { RwrAlgorithm } from './rwr.js';

export { rwrSectionSchema, DEFAULT_RWR_SECTION, parseRwrSection, type RwrSection, type RwrSettings } from './config.js';
export { RwrAlgorithm } from './rwr.js';
export { rewardWeights, effectiveSampleSize } from './weights.js';

/** Online RWR over the context's policy: weighted flow-matching on its own samples; AdamW (prompt encoder frozen). */
export function createRwr(ctx: AlgorithmContext, config: Readonly<RwrSection>): Algorithm {
  return new RwrAlgorithm(ctx, config);
}
