/**
 * Visual-quality signals as reward components (image-stats.ts), every one oriented higher-is-better:
 *   sharpness         variance of the Laplacian (blur lowers it)
 *   noise             −σ̂, the negated noise std estimate
 *   blockiness        −(boundary step − interior step) on `block`-pixel blocks
 *   background_clean  fraction of background pixels within `clean` of the background colour
 * Raw values, not rescaled: their scales differ by orders of magnitude, which is exactly why the credit layer
 * normalises each component within the group before weighting (GDPO, arXiv 2601.05242; DESIGN §3).
 * Total = the weighted sum with `weights` (default: background_clean only, the one bounded in [0, 1]).
 */
import { batchImages } from './batch.js';
import {
  backgroundCleanliness,
  blockiness,
  DEFAULT_BACKGROUND_OPTIONS,
  laplacianVariance,
  noiseSigma,
  type BackgroundOptions,
} from './image-stats.js';
import type { RewardBatch, RewardModel, RewardResult } from './types.js';

export const QUALITY_COMPONENTS = ['sharpness', 'noise', 'blockiness', 'background_clean'] as const;
export type QualityComponent = (typeof QUALITY_COMPONENTS)[number];

export interface QualityRewardOptions {
  background: Partial<BackgroundOptions>;
  /** Block side for the blockiness measure. */
  block: number;
  /** Weights of the components in `total` (missing = 0). */
  weights: Readonly<Partial<Record<QualityComponent, number>>>;
}

export const DEFAULT_QUALITY_REWARD: Readonly<QualityRewardOptions> = Object.freeze({
  background: DEFAULT_BACKGROUND_OPTIONS,
  block: 8,
  weights: Object.freeze({ background_clean: 1 }),
});

export class QualityReward implements RewardModel {
  readonly name = 'quality';
  readonly version = '1';
  readonly components = QUALITY_COMPONENTS;
  readonly differentiable = false;
  readonly options: Readonly<QualityRewardOptions>;

  constructor(opts: Partial<QualityRewardOptions> = {}) {
    this.options = { ...DEFAULT_QUALITY_REWARD, ...opts };
    if (!Number.isInteger(this.options.block) || this.options.block < 2) {
      throw new Error(`refract reward quality: block must be an integer ≥ 2, got ${this.options.block}`);
    }
    for (const k of Object.keys(this.options.weights)) {
      if (!(QUALITY_COMPONENTS as readonly string[]).includes(k)) {
        throw new Error(
          `refract reward quality: weights keys must be among ${QUALITY_COMPONENTS.join(', ')}, got '${k}'`,
        );
      }
    }
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const images = batchImages(batch, 'reward quality');
    const c: Record<QualityComponent, Float32Array> = {
      sharpness: Float32Array.from(images, laplacianVariance),
      noise: Float32Array.from(images, (img) => -noiseSigma(img)),
      blockiness: Float32Array.from(images, (img) => -blockiness(img, this.options.block)),
      background_clean: Float32Array.from(images, (img) => backgroundCleanliness(img, this.options.background)),
    };
    const total = new Float32Array(images.length);
    for (const k of QUALITY_COMPONENTS) {
      const w = this.options.weights[k] ?? 0;
      if (w !== 0) c[k].forEach((v, i) => (total[i] += w * v));
    }
    return { total, components: c, meta: { name: this.name, version: this.version } };
  }
}

export function qualityReward(opts: Partial<QualityRewardOptions> = {}): QualityReward {
  return new QualityReward(opts);
}
