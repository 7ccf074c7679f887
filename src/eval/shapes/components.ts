/**
 * Pixel-level front end of the gold evaluator: denoise → threshold against the black background → 8-connected
 * components. Knows nothing about prompts or scenes.
 */
import { assertImage, type RGBImage } from '../../data/image.js';

export interface Component {
  /** Flat pixel indices y·W + x, in raster order. */
  pixels: Int32Array;
  area: number;
  /** Inclusive pixel bounds. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Mean pixel-centre position (pixel (x, y) has centre (x + 0.5, y + 0.5)). */
  centroidX: number;
  centroidY: number;
}

/**
 * Per-channel median over the 5-pixel plus-shaped window (centre and its 4-neighbours; border pixels use the
 * in-image part). Why a median: it removes i.i.d. noise and outliers while keeping edges in place, so shapes keep
 * their fill ratios (a box blur rounds everything). Why the plus window rather than 3×3: a square's corner pixel
 * has 3 of 5 plus-neighbours inside the square and survives, while a 3×3 median (4 of 9) erases it and makes
 * small squares look like circles.
 */
export function medianPlus(img: RGBImage): RGBImage {
  assertImage(img);
  const { width: W, height: H, data } = img;
  const plane = W * H;
  const out = new Float32Array(data.length);
  const win = new Float32Array(5);
  const offsets = [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]] as const;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let n = 0;
        for (const [dx, dy] of offsets) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
          // Insertion into the sorted prefix win[0..n).
          const v = data[base + yy * W + xx];
          let k = n++;
          while (k > 0 && win[k - 1] > v) {
            win[k] = win[k - 1];
            k--;
          }
          win[k] = v;
        }
        // Even-sized border windows take the lower middle value (a bias towards background at the border).
        out[base + y * W + x] = win[(n - 1) >> 1];
      }
    }
  }
  return { width: W, height: H, data: out };
}

/** 1 where the brightest channel exceeds `threshold` (palette colours have a channel at 1, background 0). */
export function foregroundMask(img: RGBImage, threshold: number): Uint8Array {
  const plane = img.width * img.height;
  const mask = new Uint8Array(plane);
  const d = img.data;
  for (let p = 0; p < plane; p++) {
    mask[p] = Math.max(d[p], d[plane + p], d[2 * plane + p]) > threshold ? 1 : 0;
  }
  return mask;
}

/** Flood-fills one component from `seed`, writing `label` into `labels`; returns its pixels in visit order. */
function flood(mask: Uint8Array, labels: Int32Array, W: number, H: number, seed: number, label: number): number[] {
  const pixels = [seed];
  labels[seed] = label;
  for (let head = 0; head < pixels.length; head++) {
    const p = pixels[head];
    const x = p % W;
    const y = (p - x) / W;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
        const q = ny * W + nx;
        if (mask[q] && labels[q] === 0) {
          labels[q] = label;
          pixels.push(q);
        }
      }
    }
  }
  return pixels;
}

function summarize(pixels: number[], W: number): Component {
  const sorted = Int32Array.from(pixels).sort();
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, sx = 0, sy = 0;
  for (const p of sorted) {
    const x = p % W;
    const y = (p - x) / W;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
    sx += x + 0.5;
    sy += y + 0.5;
  }
  const area = sorted.length;
  return { pixels: sorted, area, minX, minY, maxX, maxY, centroidX: sx / area, centroidY: sy / area };
}

/**
 * 8-connected components of `mask` with at least `minArea` pixels, in raster order of their first pixel.
 * 8-connectivity keeps a triangle's one-pixel-wide apex attached to its body.
 */
export function connectedComponents(mask: Uint8Array, W: number, H: number, minArea: number): Component[] {
  const labels = new Int32Array(W * H);
  const out: Component[] = [];
  let next = 1;
  for (let p = 0; p < W * H; p++) {
    if (!mask[p] || labels[p] !== 0) continue;
    const pixels = flood(mask, labels, W, H, p, next++);
    if (pixels.length >= minArea) out.push(summarize(pixels, W));
  }
  return out;
}
