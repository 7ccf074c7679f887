/**
 * Image perturbations behind the audit's probes, on shapes-world images (black background, CHW in [0, 1]):
 *   plantObject  paste one small extra shape into a region, clear of everything already drawn;
 *   plantBlob    paste an irregular blob (a seeded random walk of pixels) likewise — a local artifact that is
 *                no shape at all, the kind of defect a reward that only reads global statistics misses;
 *   shiftImage   translate by whole pixels, filling with background.
 * A defect lands only where the image is background within `DEFECT_CLEARANCE` pixels, so it never merges with
 * an object (which would change that object instead of adding one). Functions return null when no spot fits.
 */
import { cloneImage, type RGBImage } from '../../data/image.js';
import type { Rng } from '../../data/rng.js';
import { renderScene } from '../../data/shapes/render.js';
import { COLORS, PALETTE, SHAPES, SIZE_MIN, type SceneObject } from '../../data/shapes/types.js';

export const PROBE_REGIONS = ['left', 'right', 'top', 'bottom'] as const;
export type ProbeRegion = (typeof PROBE_REGIONS)[number];

/** [x0, y0, x1, y1], x1/y1 exclusive, in pixels. */
export type PixelBox = readonly [number, number, number, number];

/** The image half a region names. */
export function regionBox(region: ProbeRegion, width: number, height: number): PixelBox {
  const [hw, hh] = [Math.floor(width / 2), Math.floor(height / 2)];
  switch (region) {
    case 'left':
      return [0, 0, hw, height];
    case 'right':
      return [hw, 0, width, height];
    case 'top':
      return [0, 0, width, hh];
    case 'bottom':
      return [0, hh, width, height];
  }
}

/** Empty pixels kept between a defect and anything already drawn (the scene sampler's object gap). */
export const DEFECT_CLEARANCE = 2;
/** A pixel is foreground when its brightest channel exceeds this (objects are ≥ 1.0 from black). */
const FOREGROUND = 0.1;
const TRIES = 100;

/** True when every pixel of `box` grown by `margin` (clipped to the image) is background. */
export function isClear(img: RGBImage, box: PixelBox, margin: number): boolean {
  const { width: W, height: H, data } = img;
  const plane = W * H;
  for (let y = Math.max(0, box[1] - margin); y < Math.min(H, box[3] + margin); y++) {
    for (let x = Math.max(0, box[0] - margin); x < Math.min(W, box[2] + margin); x++) {
      const p = y * W + x;
      if (Math.max(data[p]!, data[plane + p]!, data[2 * plane + p]!) > FOREGROUND) return false;
    }
  }
  return true;
}

/** A random top-left corner for a `side`×`side` box inside `region` (1 px from its edges), clear of drawing. */
function findSpot(img: RGBImage, region: ProbeRegion, side: number, rng: Rng): [number, number] | null {
  const [x0, y0, x1, y1] = regionBox(region, img.width, img.height);
  if (x1 - x0 - 2 < side || y1 - y0 - 2 < side) return null;
  for (let t = 0; t < TRIES; t++) {
    const x = rng.int(x0 + 1, x1 - 1 - side);
    const y = rng.int(y0 + 1, y1 - 1 - side);
    if (isClear(img, [x, y, x + side, y + side], DEFECT_CLEARANCE)) return [x, y];
  }
  return null;
}

/** Largest half-extent of a planted object: the smallest a scene draws, so it fits beside crowded scenes. */
const DEFECT_OBJECT_SIZE: readonly [number, number] = [SIZE_MIN, SIZE_MIN + 1];

/** `img` plus one random shape in `region`; null when no clear spot fits. */
export function plantObject(img: RGBImage, region: ProbeRegion, rng: Rng): RGBImage | null {
  const size = rng.range(DEFECT_OBJECT_SIZE[0], DEFECT_OBJECT_SIZE[1]);
  const side = Math.ceil(2 * size) + 1;
  const spot = findSpot(img, region, side, rng);
  if (spot === null) return null;
  const extra: SceneObject = {
    shape: rng.choice(SHAPES),
    color: rng.choice(COLORS),
    size,
    cx: spot[0] + side / 2,
    cy: spot[1] + side / 2,
  };
  // The spot is background, so compositing is a sum: the defect's own render is black everywhere else.
  const defect = renderScene({ width: img.width, height: img.height, objects: [extra] });
  const out = cloneImage(img);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, out.data[i]! + defect.data[i]!);
  return out;
}

/** Blob extent: a random walk of this many steps inside a BLOB_SIDE × BLOB_SIDE box. */
const BLOB_STEPS = 40;
const BLOB_SIDE = 7;

/** `img` plus one irregular blob of a palette colour in `region`; null when no clear spot fits. */
export function plantBlob(img: RGBImage, region: ProbeRegion, rng: Rng): RGBImage | null {
  const spot = findSpot(img, region, BLOB_SIDE, rng);
  if (spot === null) return null;
  const colour = PALETTE[rng.choice(COLORS)];
  const out = cloneImage(img);
  const { width: W, height: H } = img;
  let [x, y] = [BLOB_SIDE >> 1, BLOB_SIDE >> 1];
  for (let s = 0; s < BLOB_STEPS; s++) {
    const p = (spot[1] + y) * W + spot[0] + x;
    for (let c = 0; c < 3; c++) out.data[c * W * H + p] = colour[c];
    // Step to a 4-neighbour, staying in the box: a connected, ragged patch of ~20 distinct pixels.
    const dir = rng.int(0, 3);
    const nx = x + (dir === 0 ? 1 : dir === 1 ? -1 : 0);
    const ny = y + (dir === 2 ? 1 : dir === 3 ? -1 : 0);
    if (nx >= 0 && nx < BLOB_SIDE && ny >= 0 && ny < BLOB_SIDE) [x, y] = [nx, ny];
  }
  return out;
}

export const DEFECT_KINDS = ['object', 'blob'] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

export function plantDefect(img: RGBImage, kind: DefectKind, region: ProbeRegion, rng: Rng): RGBImage | null {
  return kind === 'object' ? plantObject(img, region, rng) : plantBlob(img, region, rng);
}

/** The image translated by (dx, dy) whole pixels; uncovered pixels take the black background. */
export function shiftImage(img: RGBImage, dx: number, dy: number): RGBImage {
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) {
    throw new Error(`refract audit shift: dx and dy must be integers, got (${dx}, ${dy})`);
  }
  const { width: W, height: H } = img;
  const out = { width: W, height: H, data: new Float32Array(img.data.length) };
  for (let c = 0; c < 3; c++) {
    for (let y = Math.max(0, dy); y < Math.min(H, H + dy); y++) {
      for (let x = Math.max(0, dx); x < Math.min(W, W + dx); x++) {
        out.data[c * W * H + y * W + x] = img.data[c * W * H + (y - dy) * W + (x - dx)]!;
      }
    }
  }
  return out;
}
