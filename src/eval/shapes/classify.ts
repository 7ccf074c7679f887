/**
 * Colour and shape classification of one connected component.
 *
 * Shape: nearest prototype in the feature space of features.ts. The prototypes are the median features of clean
 * renders after the evaluator's 3×3 median filter (sizes 4–7 px, random sub-pixel positions; measured with
 * measure.ts), not the ideal continuous values: the filter trims a triangle's apex and a square's corners.
 * A component far from every prototype, or far from square-boxed, is 'unknown' — generated blobs must not be
 * forced into a class.
 *
 * Colour: per-channel median over the component's pixels (robust to anti-aliased rims and noise), rescaled so the
 * brightest channel is 1 (undoes the darkening of small, mostly-rim shapes), then the nearest palette colour
 * within a maximum distance.
 */
import type { RGBImage } from '../../data/image.js';
import { COLORS, PALETTE, SHAPES, type Color, type RGB, type Shape } from '../../data/shapes/types.js';
import type { Component } from './components.js';
import type { ShapeFeatures } from './features.js';

type FeatureVector = readonly [fill: number, asym: number, topCorners: number, bottomCorners: number, cornerPixels: number];

const PROTOTYPES: Readonly<Record<Shape, FeatureVector>> = Object.freeze({
  circle: [0.82, 0, 0.5, 0.5, 0],
  square: [1, 0, 1, 1, 1],
  triangle: [0.64, 0.38, 0, 0.94, 0.5],
  cross: [0.63, 0, 0, 0, 0],
});

/**
 * Weights per feature: fill is the steadiest feature, so a unit of it counts double; single corner pixels flip
 * under noise, so they count half.
 */
const WEIGHTS: FeatureVector = [2, 1, 1, 1, 0.5];

export interface ClassifyOptions {
  /** Largest weighted feature distance still accepted as a shape. */
  maxShapeDistance: number;
  /** Accepted box aspect range (shapes are drawn in square boxes; 1 px rounding gives ±15% at size 4). */
  minAspect: number;
  maxAspect: number;
  /** Largest RGB distance from the nearest palette colour (palette colours are ≥ 1.0 apart). */
  maxColorDistance: number;
}

export const DEFAULT_CLASSIFY_OPTIONS: Readonly<ClassifyOptions> = Object.freeze({
  maxShapeDistance: 0.5,
  minAspect: 0.7,
  maxAspect: 1.4,
  maxColorDistance: 0.5,
});

function featureDistance(f: ShapeFeatures, p: FeatureVector): number {
  const v = [f.fill, f.asym, f.topCorners, f.bottomCorners, f.cornerPixels];
  let d = 0;
  for (let i = 0; i < v.length; i++) d += (WEIGHTS[i] * (v[i] - p[i])) ** 2;
  return Math.sqrt(d);
}

export function classifyShape(
  f: ShapeFeatures,
  opts: Readonly<ClassifyOptions> = DEFAULT_CLASSIFY_OPTIONS,
): { shape: Shape | 'unknown'; distance: number } {
  let best: Shape = SHAPES[0];
  let bestD = Infinity;
  for (const s of SHAPES) {
    const d = featureDistance(f, PROTOTYPES[s]);
    if (d < bestD) [best, bestD] = [s, d];
  }
  const boxed = f.aspect >= opts.minAspect && f.aspect <= opts.maxAspect;
  return { shape: boxed && bestD <= opts.maxShapeDistance ? best : 'unknown', distance: bestD };
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const n = values.length;
  return n % 2 === 1 ? values[(n - 1) / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/** Robust colour of a component: per-channel median, rescaled so the brightest channel is 1. */
export function componentColor(img: RGBImage, c: Component): RGB {
  const plane = img.width * img.height;
  const ch = [0, 1, 2].map((k) => median(Array.from(c.pixels, (p) => img.data[k * plane + p])));
  const peak = Math.max(ch[0], ch[1], ch[2], 1e-6);
  return [ch[0] / peak, ch[1] / peak, ch[2] / peak];
}

export function classifyColor(
  rgb: RGB,
  opts: Readonly<ClassifyOptions> = DEFAULT_CLASSIFY_OPTIONS,
): { color: Color | 'unknown'; distance: number } {
  let best: Color = COLORS[0];
  let bestD = Infinity;
  for (const c of COLORS) {
    const p = PALETTE[c];
    const d = Math.hypot(rgb[0] - p[0], rgb[1] - p[1], rgb[2] - p[2]);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return { color: bestD <= opts.maxColorDistance ? best : 'unknown', distance: bestD };
}
