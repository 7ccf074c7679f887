/**
 * Scene parsing for the gold evaluator: from an image alone (no scene, no prompt) to a list of detected objects
 * with shape, colour, box and pixels.
 *
 * Pipeline: plus-median denoise → background level → threshold at half intensity → 8-connected components
 * (tiny ones dropped) → per component: robust colour (color.ts), then shape by template fit (template.ts) on the
 * component's intensity along its own colour.
 */
import { assertImage, type RGBImage } from '../../data/image.js';
import { PALETTE, type Box, type Color, type RGB, type Shape } from '../../data/shapes/types.js';
import { classifyColor, componentColor } from './color.js';
import { connectedComponents, foregroundMask, medianPlus, type Component } from './components.js';
import { fitShapes, type IntensityWindow } from './template.js';

export interface DetectOptions {
  /** Plus-shaped median filter before thresholding (see components.ts). */
  denoise: boolean;
  /** Foreground where the brightest channel, after background subtraction, exceeds this. */
  threshold: number;
  /** Components with fewer pixels are noise, not objects (the smallest drawn shape has ≈ 30). */
  minArea: number;
  /**
   * Largest template residual (SSE / mass) accepted as a shape. Measured: clean renders ≤ 0.03, noise std 0.2
   * ≤ 0.11, a 3×3 box of blur ≈ 0.1; a 5:2 ellipse ≈ 0.48 and two touching shapes ≈ 0.4 are rejected.
   */
  maxShapeResidual: number;
  /** Accepted fitted half-extent range in px (drawn shapes span 4–7). */
  minSize: number;
  maxSize: number;
  /** Largest RGB distance to the nearest palette colour (palette colours are ≥ 1.0 apart; orange sits at 0.5). */
  maxColorDistance: number;
}

export const DEFAULT_DETECT_OPTIONS: Readonly<DetectOptions> = Object.freeze({
  denoise: true,
  threshold: 0.5,
  minArea: 8,
  maxShapeResidual: 0.3,
  minSize: 2.5,
  maxSize: 12,
  maxColorDistance: 0.4,
});

export interface DetectedObject {
  shape: Shape | 'unknown';
  color: Color | 'unknown';
  /** Mask pixels (after denoising and thresholding). */
  area: number;
  /** Mask box [minX, minY, maxX + 1, maxY + 1] — the detector box GenEval's position rule reads. */
  box: Box;
  centroidX: number;
  centroidY: number;
  /** Robust colour, brightest channel scaled to 1. */
  rgb: RGB;
  colorDistance: number;
  /** Residual of the best template; Infinity when no template could be fitted. */
  shapeResidual: number;
  /** Fitted half-extent of the best template (0 when none). */
  size: number;
  /** Flat pixel indices y·W + x of the component. */
  pixels: Int32Array;
}

/** Per-channel mean over pixels farther than 2 px from any foreground pixel (0 for a clean black background). */
function backgroundLevel(img: RGBImage, mask: Uint8Array): RGB {
  const { width: W, height: H, data } = img;
  const plane = W * H;
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let near = false;
      for (let yy = Math.max(0, y - 2); yy <= Math.min(H - 1, y + 2) && !near; yy++) {
        for (let xx = Math.max(0, x - 2); xx <= Math.min(W - 1, x + 2) && !near; xx++) near = mask[yy * W + xx] === 1;
      }
      if (near) continue;
      n++;
      for (let c = 0; c < 3; c++) sum[c] += data[c * plane + y * W + x];
    }
  }
  return n === 0 ? [0, 0, 0] : [sum[0] / n, sum[1] / n, sum[2] / n];
}

/** Pixel → 1 + index of the component within 1 px of it (first component wins), or 0. */
function ownerMap(comps: readonly Component[], W: number, H: number): Int32Array {
  const owner = new Int32Array(W * H);
  comps.forEach((c, k) => {
    for (const p of c.pixels) {
      const x = p % W;
      const y = (p - x) / W;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(H - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(W - 1, x + 1); xx++) {
          if (owner[yy * W + xx] === 0) owner[yy * W + xx] = k + 1;
        }
      }
    }
  });
  return owner;
}

/**
 * The component's window (its box grown by 2 px, minus pixels owned by other objects) with intensity =
 * projection of (pixel − background) on the object's colour direction: exactly coverage on clean renders.
 */
function intensityWindow(img: RGBImage, c: Component, k: number, owner: Int32Array, bg: RGB, dir: RGB): IntensityWindow {
  const { width: W, height: H, data } = img;
  const plane = W * H;
  const norm2 = dir[0] ** 2 + dir[1] ** 2 + dir[2] ** 2;
  const x0 = Math.max(0, c.minX - 2), x1 = Math.min(W - 1, c.maxX + 2);
  const y0 = Math.max(0, c.minY - 2), y1 = Math.min(H - 1, c.maxY + 2);
  const intensity = new Float32Array(plane);
  const inWindow = new Uint8Array(plane);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = y * W + x;
      if (owner[p] !== 0 && owner[p] !== k + 1) continue;
      inWindow[p] = 1;
      let dot = 0;
      for (let ch = 0; ch < 3; ch++) dot += (data[ch * plane + p] - bg[ch]) * dir[ch];
      intensity[p] = dot / norm2;
    }
  }
  return { width: W, height: H, intensity, inWindow, x0, y0, x1, y1 };
}

function describe(img: RGBImage, c: Component, k: number, owner: Int32Array, bg: RGB, o: Readonly<DetectOptions>): DetectedObject {
  const rgb = componentColor(img, c.pixels, bg);
  const { color, distance } = classifyColor(rgb, o.maxColorDistance);
  const dir = color === 'unknown' ? rgb : PALETTE[color];
  const best = fitShapes(intensityWindow(img, c, k, owner, bg, dir))[0];
  const accepted =
    best !== undefined && best.residual <= o.maxShapeResidual && best.size >= o.minSize && best.size <= o.maxSize;
  return {
    shape: accepted ? best.shape : 'unknown',
    color,
    area: c.area,
    box: [c.minX, c.minY, c.maxX + 1, c.maxY + 1],
    centroidX: c.centroidX,
    centroidY: c.centroidY,
    rgb,
    colorDistance: distance,
    shapeResidual: best?.residual ?? Infinity,
    size: best?.size ?? 0,
    pixels: c.pixels,
  };
}

/** Every object the evaluator sees in `img`, in raster order of each object's first pixel. */
export function detectObjects(img: RGBImage, opts: Partial<DetectOptions> = {}): DetectedObject[] {
  assertImage(img);
  const o = { ...DEFAULT_DETECT_OPTIONS, ...opts };
  const den = o.denoise ? medianPlus(img) : img;
  const { width: W, height: H } = den;
  // Two passes: a first mask locates objects so the background level is measured away from them.
  const bg = backgroundLevel(den, foregroundMask(den, o.threshold));
  const shifted: RGBImage = { width: W, height: H, data: den.data.map((v, i) => v - bg[Math.floor(i / (W * H))]) };
  const comps = connectedComponents(foregroundMask(shifted, o.threshold), W, H, o.minArea);
  const owner = ownerMap(comps, W, H);
  return comps.map((c, k) => describe(den, c, k, owner, bg, o));
}
