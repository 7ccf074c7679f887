/**
 * Hard constraints as a reward: forbidden colours anywhere, or any ink inside forbidden regions. The component
 * `violated` is a 0/1 flag per sample (VIOLATION_COMPONENT) for the credit layer's hard constraints — which
 * should veto or floor a violating sample rather than trade it off against other rewards. The fractions are
 * diagnostics; dense `pixel_violation` [B, H, W] is −1 on the offending pixels (higher is better, as for every
 * dense map). Total = 1 − violated.
 *
 * A colour or region counts only from `minPixels` pixels on, so isolated noise pixels do not trip the flag.
 */
import type { RGBImage } from '../data/image.js';
import { PALETTE, type Box, type Color, type RGB } from '../data/shapes/types.js';
import { batchImages } from './batch.js';
import { pixelMap } from './result.js';
import type { RewardBatch, RewardModel, RewardResult } from './types.js';

/** The component the credit layer reads as a hard-constraint flag. */
export const VIOLATION_COMPONENT = 'violated';

export interface ConstraintRewardOptions {
  /** Palette names or RGB triples in [0, 1]. */
  forbiddenColors: readonly (Color | RGB)[];
  /** Pixel boxes [x0, y0, x1, y1) where nothing may be drawn. */
  forbiddenRegions: readonly Box[];
  /** A pixel has a forbidden colour when every channel is within this of it (Chebyshev distance). */
  colorTolerance: number;
  /** Background colour and the deviation from it that counts as ink (for regions). */
  background: RGB;
  inkThreshold: number;
  minPixels: number;
}

export const DEFAULT_CONSTRAINT_REWARD: Readonly<ConstraintRewardOptions> = Object.freeze({
  forbiddenColors: [],
  forbiddenRegions: [],
  colorTolerance: 0.3,
  background: Object.freeze([0, 0, 0]) as RGB,
  inkThreshold: 0.5,
  minPixels: 4,
});

function chebyshev(img: RGBImage, p: number, rgb: RGB): number {
  const plane = img.width * img.height;
  let d = 0;
  for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(img.data[c * plane + p]! - rgb[c]!));
  return d;
}

interface Check {
  colorPixels: number;
  regionPixels: number;
  regionArea: number;
  map: Float32Array;
}

export class ConstraintReward implements RewardModel {
  readonly name = 'constraint';
  readonly version = '1';
  readonly components = [VIOLATION_COMPONENT, 'color_fraction', 'region_fraction'] as const;
  readonly differentiable = false;
  readonly options: Readonly<ConstraintRewardOptions>;
  readonly #colors: RGB[];

  constructor(opts: Partial<ConstraintRewardOptions> = {}) {
    this.options = { ...DEFAULT_CONSTRAINT_REWARD, ...opts };
    this.#colors = this.options.forbiddenColors.map((c) => (typeof c === 'string' ? PALETTE[c] : c));
    for (const [i, b] of this.options.forbiddenRegions.entries()) {
      if (b.length !== 4 || !(b[2] > b[0] && b[3] > b[1])) {
        throw new Error(
          `refract reward constraint: forbiddenRegions[${i}] must be [x0, y0, x1, y1] with x1 > x0, y1 > y0, got [${b.join(', ')}]`,
        );
      }
    }
  }

  #check(img: RGBImage): Check {
    const { width: W, height: H } = img;
    const map = new Float32Array(W * H);
    let colorPixels = 0;
    for (let p = 0; p < W * H; p++) {
      if (this.#colors.some((rgb) => chebyshev(img, p, rgb) <= this.options.colorTolerance)) {
        map[p] = -1;
        colorPixels++;
      }
    }
    let regionPixels = 0;
    let regionArea = 0;
    for (const [x0, y0, x1, y1] of this.options.forbiddenRegions) {
      for (let y = Math.max(0, Math.floor(y0)); y < Math.min(H, Math.ceil(y1)); y++) {
        for (let x = Math.max(0, Math.floor(x0)); x < Math.min(W, Math.ceil(x1)); x++) {
          regionArea++;
          if (chebyshev(img, y * W + x, this.options.background) > this.options.inkThreshold) {
            regionPixels++;
            map[y * W + x] = -1;
          }
        }
      }
    }
    return { colorPixels, regionPixels, regionArea, map };
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const images = batchImages(batch, 'reward constraint');
    const checks = images.map((img) => this.#check(img));
    const min = this.options.minPixels;
    const violated = Float32Array.from(checks, (c) => (c.colorPixels >= min || c.regionPixels >= min ? 1 : 0));
    const first = images[0];
    return {
      total: violated.map((v) => 1 - v),
      components: {
        [VIOLATION_COMPONENT]: violated,
        color_fraction: Float32Array.from(checks, (c, i) => c.colorPixels / (images[i]!.width * images[i]!.height)),
        region_fraction: Float32Array.from(checks, (c) => (c.regionArea > 0 ? c.regionPixels / c.regionArea : 0)),
      },
      dense: first
        ? {
            pixel_violation: pixelMap(
              checks.map((c) => c.map),
              first.height,
              first.width,
            ),
          }
        : {},
      meta: { name: this.name, version: this.version },
    };
  }
}

export function constraintReward(opts: Partial<ConstraintRewardOptions> = {}): ConstraintReward {
  return new ConstraintReward(opts);
}
