// Scoring many (image, prompt) items with one reward, in chunks, into flat arrays the audit's metrics read.
import type { RGBImage } from '../../data/image.js';
import { validateResult } from '../../rewards/result.js';
import type { RewardModel, RewardPrompt } from '../../rewards/types.js';

export interface ScoredItems {
  total: Float64Array;
  /** Component name → score per item, in the reward's component order. */
  components: Record<string, Float64Array>;
  /** Per-item std of the estimate, when the reward reports one (ensembles). */
  uncertainty?: Float64Array;
}

/** Scores items[i] = (images[i], prompts[i]) in chunks of `chunk`; checks every result's shapes. */
export async function scoreItems(
  reward: RewardModel,
  images: readonly RGBImage[],
  prompts: readonly RewardPrompt[],
  chunk = 256,
): Promise<ScoredItems> {
  if (images.length !== prompts.length) {
    throw new Error(
      `refract audit: images and prompts must pair up, got ${images.length} images and ${prompts.length} prompts`,
    );
  }
  const n = images.length;
  const out: ScoredItems = { total: new Float64Array(n), components: {} };
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const r = validateResult(
      await reward.score({ rgb: images.slice(start, end), prompts: prompts.slice(start, end) }),
      end - start,
    );
    out.total.set(r.total, start);
    for (const [k, v] of Object.entries(r.components)) (out.components[k] ??= new Float64Array(n)).set(v, start);
    if (r.uncertainty !== undefined) (out.uncertainty ??= new Float64Array(n)).set(r.uncertainty, start);
  }
  return out;
}
