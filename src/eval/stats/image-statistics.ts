/**
 * Image statistics that reveal reward hacking (DESIGN §3, "Hacking signals"): UniRL PR #407 saw an OCR reward
 * without KL drive the dark-pixel fraction 0.45 → 0.93, edge density −60% and colour entropy −54%; DDPO saw
 * compressibility rewards blank the background. None of these is good or bad alone — a monitor watches how they
 * move away from the base model's values.
 *
 * Pure functions of one CHW image in [0, 1] (src/data/image.ts). Notation: R, G, B ∈ [0, 1];
 *   luminance  Y = 0.299·R + 0.587·G + 0.114·B       (ITU-R BT.601 luma weights)
 *   value      V = max(R, G, B),  saturation S = (V − min(R, G, B)) / V  (HSV; S = 0 when V = 0)
 */
import { assertImage, type RGBImage } from '../../data/image.js';

export interface ImageStatistics {
  /** Fraction of pixels with luminance below `darkThreshold`. */
  darkFraction: number;
  /** Fraction of interior pixels whose normalised Sobel magnitude exceeds `edgeThreshold`. */
  edgeDensity: number;
  /** Shannon entropy (bits) of the histogram of colours quantised to `colourLevels`³ bins. */
  colourEntropy: number;
  /** Mean luminance. */
  brightness: number;
  /** Mean HSV saturation. */
  saturation: number;
}

export const IMAGE_STATISTIC_NAMES = ['darkFraction', 'edgeDensity', 'colourEntropy', 'brightness', 'saturation'] as const;

export interface ImageStatisticsOptions {
  /** Luminance below which a pixel counts as dark. */
  darkThreshold: number;
  /** Threshold on the Sobel magnitude divided by 4 (a unit step edge then has magnitude 1). */
  edgeThreshold: number;
  /** Quantisation levels per channel for the colour histogram (levels³ colours). */
  colourLevels: number;
}

export const DEFAULT_IMAGE_STATISTICS_OPTIONS: Readonly<ImageStatisticsOptions> = Object.freeze({
  darkThreshold: 0.1,
  edgeThreshold: 0.25,
  colourLevels: 4,
});

/** Luminance plane Y [H·W] (BT.601 weights). */
export function luminance(img: RGBImage): Float32Array {
  assertImage(img);
  const plane = img.width * img.height;
  const out = new Float32Array(plane);
  const d = img.data;
  for (let p = 0; p < plane; p++) out[p] = 0.299 * d[p]! + 0.587 * d[plane + p]! + 0.114 * d[2 * plane + p]!;
  return out;
}

/** Fraction of pixels with Y < threshold. */
export function darkPixelFraction(img: RGBImage, threshold = DEFAULT_IMAGE_STATISTICS_OPTIONS.darkThreshold): number {
  const Y = luminance(img);
  let dark = 0;
  for (const y of Y) if (y < threshold) dark++;
  return dark / Y.length;
}

/**
 * Edge density: the fraction of interior pixels (a 1-pixel border is skipped) where the Sobel gradient magnitude
 * of Y, divided by 4, exceeds `threshold`. Sobel (Sobel & Feldman 1968):
 *   Gx = [−1 0 1; −2 0 2; −1 0 1] ∗ Y,  Gy = Gxᵀ ∗ Y,  |G| = sqrt(Gx² + Gy²);
 * a unit step edge gives |G| = 4, hence the normalisation. 0 for images smaller than 3×3.
 */
export function edgeDensity(img: RGBImage, threshold = DEFAULT_IMAGE_STATISTICS_OPTIONS.edgeThreshold): number {
  const Y = luminance(img);
  const { width: W, height: H } = img;
  if (W < 3 || H < 3) return 0;
  let edges = 0;
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const at = (dx: number, dy: number): number => Y[(y + dy) * W + x + dx]!;
      const gx = at(1, -1) + 2 * at(1, 0) + at(1, 1) - at(-1, -1) - 2 * at(-1, 0) - at(-1, 1);
      const gy = at(-1, 1) + 2 * at(0, 1) + at(1, 1) - at(-1, -1) - 2 * at(0, -1) - at(1, -1);
      if (Math.hypot(gx, gy) / 4 > threshold) edges++;
    }
  }
  return edges / ((W - 2) * (H - 2));
}

/**
 * Colour entropy H = −Σ_c p_c·log₂ p_c over the histogram of colours, each channel quantised to `levels` equal
 * bins of [0, 1] (levels³ colours, so H ∈ [0, 3·log₂ levels]). A flat image has H = 0.
 */
export function colourEntropy(img: RGBImage, levels = DEFAULT_IMAGE_STATISTICS_OPTIONS.colourLevels): number {
  assertImage(img);
  if (!Number.isInteger(levels) || levels < 2) {
    throw new Error(`refract image statistics: colourLevels must be an integer >= 2, got ${levels}`);
  }
  const plane = img.width * img.height;
  const counts = new Float64Array(levels ** 3);
  const bin = (v: number): number => Math.min(levels - 1, Math.max(0, Math.floor(v * levels)));
  const d = img.data;
  for (let p = 0; p < plane; p++) counts[(bin(d[p]!) * levels + bin(d[plane + p]!)) * levels + bin(d[2 * plane + p]!)]!++;
  let h = 0;
  for (const c of counts) {
    if (c > 0) h -= (c / plane) * Math.log2(c / plane);
  }
  return h;
}

/** Mean luminance Y. */
export function meanBrightness(img: RGBImage): number {
  const Y = luminance(img);
  let s = 0;
  for (const y of Y) s += y;
  return s / Y.length;
}

/** Mean HSV saturation S = (max − min) / max (0 on black pixels). */
export function meanSaturation(img: RGBImage): number {
  assertImage(img);
  const plane = img.width * img.height;
  const d = img.data;
  let s = 0;
  for (let p = 0; p < plane; p++) {
    const r = d[p]!, g = d[plane + p]!, b = d[2 * plane + p]!;
    const max = Math.max(r, g, b);
    if (max > 0) s += (max - Math.min(r, g, b)) / max;
  }
  return s / plane;
}

/** All statistics of one image. */
export function imageStatistics(img: RGBImage, opts: Partial<ImageStatisticsOptions> = {}): ImageStatistics {
  const o = { ...DEFAULT_IMAGE_STATISTICS_OPTIONS, ...opts };
  return {
    darkFraction: darkPixelFraction(img, o.darkThreshold),
    edgeDensity: edgeDensity(img, o.edgeThreshold),
    colourEntropy: colourEntropy(img, o.colourLevels),
    brightness: meanBrightness(img),
    saturation: meanSaturation(img),
  };
}

/** Each statistic averaged over a batch of images. */
export function meanImageStatistics(
  images: readonly RGBImage[],
  opts: Partial<ImageStatisticsOptions> = {},
): ImageStatistics {
  if (images.length === 0) throw new Error('refract image statistics: images must be non-empty, got none');
  const sum: ImageStatistics = { darkFraction: 0, edgeDensity: 0, colourEntropy: 0, brightness: 0, saturation: 0 };
  for (const img of images) {
    const s = imageStatistics(img, opts);
    for (const k of IMAGE_STATISTIC_NAMES) sum[k] += s[k];
  }
  for (const k of IMAGE_STATISTIC_NAMES) sum[k] /= images.length;
  return sum;
}
