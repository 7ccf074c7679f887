/**
 * Rasteriser for shapes-world scenes.
 *
 * Anti-aliased by 4×4 supersampling: a pixel's colour is background·(1−c) + colour·c, with c the fraction of its
 * 16 sub-samples inside the shape. Why anti-alias: a generator learns smooth edges more easily than aliased
 * staircases, and shape identity then depends less on sub-pixel position. The gold evaluator is unaffected: it
 * thresholds at half intensity, which recovers exactly the pixels with coverage ≥ 1/2 — the footprint a hard
 * rasteriser would have drawn.
 */
import { createImage, type RGBImage } from '../image.js';
import { BACKGROUND, CROSS_ARM, PALETTE, type Scene, type SceneObject, type Shape } from './types.js';

export interface RenderOptions {
  /** Sub-samples per pixel side (1 = aliased, hard edges). */
  supersample: number;
}

export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = Object.freeze({ supersample: 4 });

/** Whether the point (dx, dy), relative to the shape's centre, lies inside a shape of half-extent s. */
export function insideShape(shape: Shape, dx: number, dy: number, s: number): boolean {
  switch (shape) {
    case 'circle':
      return dx * dx + dy * dy <= s * s;
    case 'square':
      return Math.abs(dx) <= s && Math.abs(dy) <= s;
    case 'triangle':
      // Upright isosceles triangle: apex at (0, −s), base from (−s, s) to (s, s); half-width grows linearly.
      return dy >= -s && dy <= s && Math.abs(dx) <= (dy + s) / 2;
    case 'cross': {
      const a = CROSS_ARM * s;
      const ax = Math.abs(dx);
      const ay = Math.abs(dy);
      return (ax <= a && ay <= s) || (ay <= a && ax <= s);
    }
  }
}

/**
 * Fraction of pixel (x, y)'s ss×ss sub-samples inside the shape centred at (cx, cy) with half-extent s.
 * Shared with the gold evaluator, which fits these same coverage templates to detected components.
 */
export function pixelCoverage(shape: Shape, cx: number, cy: number, s: number, x: number, y: number, ss: number): number {
  let hits = 0;
  for (let j = 0; j < ss; j++) {
    const dy = y + (j + 0.5) / ss - cy;
    for (let i = 0; i < ss; i++) {
      if (insideShape(shape, x + (i + 0.5) / ss - cx, dy, s)) hits++;
    }
  }
  return hits / (ss * ss);
}

/** Paints one object over `img` (objects never overlap, so compositing order does not matter). */
function paintObject(img: RGBImage, o: SceneObject, ss: number): void {
  const { width: W, height: H, data } = img;
  const plane = W * H;
  const colour = PALETTE[o.color];
  const x0 = Math.max(0, Math.floor(o.cx - o.size) - 1);
  const x1 = Math.min(W - 1, Math.ceil(o.cx + o.size) + 1);
  const y0 = Math.max(0, Math.floor(o.cy - o.size) - 1);
  const y1 = Math.min(H - 1, Math.ceil(o.cy + o.size) + 1);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const c = pixelCoverage(o.shape, o.cx, o.cy, o.size, x, y, ss);
      if (c === 0) continue;
      const p = y * W + x;
      for (let ch = 0; ch < 3; ch++) {
        const idx = ch * plane + p;
        data[idx] = data[idx] * (1 - c) + colour[ch] * c;
      }
    }
  }
}

/** Renders a scene to a CHW float image in [0, 1]. Deterministic: no randomness is involved. */
export function renderScene(scene: Scene, opts: Readonly<RenderOptions> = DEFAULT_RENDER_OPTIONS): RGBImage {
  if (!Number.isInteger(opts.supersample) || opts.supersample < 1) {
    throw new Error(`refract shapes: render supersample must be a positive integer, got ${opts.supersample}`);
  }
  const img = createImage(scene.width, scene.height);
  const plane = scene.width * scene.height;
  for (let ch = 0; ch < 3; ch++) img.data.fill(BACKGROUND[ch], ch * plane, (ch + 1) * plane);
  for (const o of scene.objects) paintObject(img, o, opts.supersample);
  return img;
}
