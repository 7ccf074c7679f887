/**
 * Colour of one detected component: per-channel median over its pixels (robust to anti-aliased rims and noise),
 * rescaled so the brightest channel is 1 (a small shape is mostly rim, which darkens every channel alike), then
 * the nearest palette colour within a maximum distance — a generated colour halfway between two palette colours
 * (e.g. orange, 0.5 from red and from yellow) is 'unknown', not a coin flip.
 */
import type { RGBImage } from '../../data/image.js';
import { COLORS, PALETTE, type Color, type RGB } from '../../data/shapes/types.js';

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const n = values.length;
  return n % 2 === 1 ? values[(n - 1) / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/** Robust colour of the pixels `pixels` (flat indices), after subtracting the background level `bg`. */
export function componentColor(img: RGBImage, pixels: Int32Array, bg: RGB): RGB {
  const plane = img.width * img.height;
  const ch = [0, 1, 2].map((k) => median(Array.from(pixels, (p) => img.data[k * plane + p] - bg[k])));
  const peak = Math.max(ch[0], ch[1], ch[2], 1e-6);
  return [Math.max(0, ch[0] / peak), Math.max(0, ch[1] / peak), Math.max(0, ch[2] / peak)];
}

/** Nearest palette colour, or 'unknown' beyond `maxDistance` (palette colours are ≥ 1.0 apart). */
export function classifyColor(rgb: RGB, maxDistance: number): { color: Color | 'unknown'; distance: number } {
  let best: Color = COLORS[0];
  let bestD = Infinity;
  for (const c of COLORS) {
    const p = PALETTE[c];
    const d = Math.hypot(rgb[0] - p[0], rgb[1] - p[1], rgb[2] - p[2]);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return { color: bestD <= maxDistance ? best : 'unknown', distance: bestD };
}
