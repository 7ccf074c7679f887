/**
 * Sample diversity: how different the images drawn for the same prompt are. Reward hacking and mode collapse
 * shrink it (every seed converges to the one image the reward likes best), so a monitor compares it with the
 * base model's value (DESIGN §3).
 *
 * Feature: the image average-pooled to `pool`×`pool` cells per channel (3·pool² values in [0, 1]). Pooling makes
 * the measure insensitive to pixel-level sampler noise while keeping layout and colour; `pool` equal to the image
 * side is plain pixel space. Distance: root-mean-square difference of the features, d(a, b) = ‖f_a − f_b‖₂ /
 * sqrt(3·pool²), so d ∈ [0, 1] at any resolution. Diversity of a prompt = mean d over its sample pairs; of a batch
 * = the mean over prompts with at least two samples (each prompt weighs the same).
 */
import { assertImage, type RGBImage } from '../../data/image.js';

export const DEFAULT_DIVERSITY_POOL = 8;

/** The average-pooled feature [3·pool²] of an image whose sides are multiples of `pool`. */
export function pooledFeature(img: RGBImage, pool = DEFAULT_DIVERSITY_POOL): Float32Array {
  assertImage(img);
  const { width: W, height: H } = img;
  if (!Number.isInteger(pool) || pool < 1 || W % pool !== 0 || H % pool !== 0) {
    throw new Error(
      `refract diversity: pool must be a positive integer dividing the image sides ${W}×${H}, got ${pool}`,
    );
  }
  const cw = W / pool, ch = H / pool;
  const out = new Float32Array(3 * pool * pool);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        out[(c * pool + Math.floor(y / ch)) * pool + Math.floor(x / cw)]! += img.data[(c * H + y) * W + x]!;
      }
    }
  }
  for (let k = 0; k < out.length; k++) out[k]! /= cw * ch;
  return out;
}

/** RMS distance ‖a − b‖₂ / sqrt(n) of two features of equal length n. */
export function rmsDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) {
    throw new Error(`refract diversity: features must have equal non-zero length, got ${a.length} and ${b.length}`);
  }
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(s / a.length);
}

/** Mean pairwise distance of a set of features (≥ 2). */
export function meanPairwiseDistance(features: readonly Float32Array[]): number {
  if (features.length < 2) throw new Error(`refract diversity: need at least 2 features, got ${features.length}`);
  let s = 0, n = 0;
  for (let i = 0; i < features.length; i++) {
    for (let j = i + 1; j < features.length; j++) {
      s += rmsDistance(features[i]!, features[j]!);
      n++;
    }
  }
  return s / n;
}

export interface DiversityResult {
  /** Mean over prompts of the per-prompt mean pairwise distance. */
  mean: number;
  /** Per prompt key (prompts with at least two samples only). */
  perPrompt: Map<string, number>;
}

/**
 * Diversity of `images`, where images[i] was drawn for prompt `promptKeys[i]` (its text, say). Prompts with a
 * single sample are skipped; throws when no prompt has two.
 */
export function promptDiversity(
  images: readonly RGBImage[],
  promptKeys: readonly string[],
  pool = DEFAULT_DIVERSITY_POOL,
): DiversityResult {
  if (images.length !== promptKeys.length) {
    throw new Error(
      `refract diversity: promptKeys must hold one key per image (${images.length}), got ${promptKeys.length}`,
    );
  }
  const groups = new Map<string, Float32Array[]>();
  images.forEach((img, i) => {
    const key = promptKeys[i]!;
    const g = groups.get(key) ?? [];
    g.push(pooledFeature(img, pool));
    groups.set(key, g);
  });
  const perPrompt = new Map<string, number>();
  for (const [key, feats] of groups) if (feats.length >= 2) perPrompt.set(key, meanPairwiseDistance(feats));
  if (perPrompt.size === 0) {
    throw new Error('refract diversity: some prompt must have at least 2 samples, got one sample per prompt');
  }
  let s = 0;
  for (const v of perPrompt.values()) s += v;
  return { mean: s / perPrompt.size, perPrompt };
}
