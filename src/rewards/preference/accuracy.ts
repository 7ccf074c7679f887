// Held-out pairwise accuracy of a reward model: the fraction of pairs where it scores the chosen image above the
// rejected one (ties count half) — the metric ImageReward and HPS v2 report for preference prediction.
import type { RGBImage } from '../../data/image.js';
import type { RewardModel } from '../types.js';
import type { PreferencePair } from './pairs.js';

/** Accuracy on `pairs`, scored in chunks of `batchSize` pairs; pass pairs with true (unflipped) labels. */
export async function heldOutPairwiseAccuracy(
  rm: RewardModel,
  pairs: readonly PreferencePair[],
  batchSize = 256,
): Promise<number> {
  const correct = await pairwiseCorrect(rm, pairs, batchSize);
  return correct.reduce((a, b) => a + b, 0) / pairs.length;
}

/** Per pair: 1 when the model scores the chosen image above the rejected one, ½ on a tie, else 0. */
export async function pairwiseCorrect(rm: RewardModel, pairs: readonly PreferencePair[], batchSize = 256): Promise<number[]> {
  if (pairs.length === 0) throw new Error('refract preference accuracy: pairs must be non-empty, got none');
  const correct: number[] = [];
  for (let start = 0; start < pairs.length; start += batchSize) {
    const chunk = pairs.slice(start, start + batchSize);
    const rgb: RGBImage[] = [...chunk.map((p) => p.chosen), ...chunk.map((p) => p.rejected)];
    const prompts = [...chunk, ...chunk].map((p) => p.prompt);
    const { total } = await rm.score({ rgb, prompts });
    chunk.forEach((_, i) => {
      const d = total[i]! - total[i + chunk.length]!;
      correct.push(d > 0 ? 1 : d === 0 ? 0.5 : 0);
    });
  }
  return correct;
}
