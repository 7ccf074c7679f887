/**
 * Shape identification by fitting the world's own coverage templates (a matched filter).
 *
 * For each shape hypothesis the template's size and position follow from the component's soft moments — its
 * intensity mass A and mass centroid — because every shape's area and centroid are known in closed form:
 *
 *   shape     area              centroid relative to the box centre
 *   circle    π·s²              (0, 0)
 *   square    4·s²              (0, 0)
 *   triangle  2·s²              (0, +s/3)   (apex up; y grows downwards)
 *   cross     4·s²·(2k − k²)    (0, 0)      k = CROSS_ARM
 *
 * The template is then rasterised exactly as the renderer draws (pixelCoverage) and compared with the observed
 * intensities by the residual SSE / A. The smallest residual names the shape; a large one means "unknown".
 * Moment matching makes the fit exact on clean renders (anti-aliased coverage preserves area and centroid) and,
 * being a sum over many pixels, averages noise away — why this beats thresholded-mask features, which flip
 * between circle and square at radius ≈ 4 px under mild noise.
 */
import { pixelCoverage } from '../../data/shapes/render.js';
import { CROSS_ARM, SHAPES, type Shape } from '../../data/shapes/types.js';

const AREA_FACTOR: Readonly<Record<Shape, number>> = Object.freeze({
  circle: Math.PI,
  square: 4,
  triangle: 2,
  cross: 4 * (2 * CROSS_ARM - CROSS_ARM * CROSS_ARM),
});

/** Centroid y minus box-centre y, in units of the half-extent s. */
const CENTROID_DY: Readonly<Record<Shape, number>> = Object.freeze({ circle: 0, square: 0, triangle: 1 / 3, cross: 0 });

/** Template sub-samples per pixel side: matches the renderer's default, so clean renders fit exactly. */
const TEMPLATE_SS = 4;

/** Observed intensities (coverage estimates) of one component, restricted to a window of the image. */
export interface IntensityWindow {
  width: number;
  height: number;
  /** Per-pixel intensity over the whole image (W·H); only pixels with `inWindow` set are read. */
  intensity: Float32Array;
  /** 1 where the pixel belongs to this component's window (not to another object). */
  inWindow: Uint8Array;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface ShapeFit {
  shape: Shape;
  /** Fitted box centre and half-extent. */
  cx: number;
  cy: number;
  size: number;
  /** Σ (observed − template)² / A over the window and the template's box. */
  residual: number;
}

function fitOne(w: IntensityWindow, shape: Shape, mass: number, mx: number, my: number): ShapeFit {
  const size = Math.sqrt(mass / AREA_FACTOR[shape]);
  const cx = mx;
  const cy = my - CENTROID_DY[shape] * size;
  const x0 = Math.max(0, Math.min(w.x0, Math.floor(cx - size) - 1));
  const x1 = Math.min(w.width - 1, Math.max(w.x1, Math.ceil(cx + size) + 1));
  const y0 = Math.max(0, Math.min(w.y0, Math.floor(cy - size) - 1));
  const y1 = Math.min(w.height - 1, Math.max(w.y1, Math.ceil(cy + size) + 1));
  let sse = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = y * w.width + x;
      const observed = w.inWindow[p] ? w.intensity[p] : 0; // another object's pixel counts as empty for us
      const t = pixelCoverage(shape, cx, cy, size, x, y, TEMPLATE_SS);
      sse += (observed - t) ** 2;
    }
  }
  return { shape, cx, cy, size, residual: sse / mass };
}

/** Fits every shape template to the window; best (smallest residual) first. Empty when the window has no mass. */
export function fitShapes(w: IntensityWindow): ShapeFit[] {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = w.y0; y <= w.y1; y++) {
    for (let x = w.x0; x <= w.x1; x++) {
      const p = y * w.width + x;
      if (!w.inWindow[p]) continue;
      const v = w.intensity[p];
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  if (!(mass > 1)) return [];
  const fits = SHAPES.map((s) => fitOne(w, s, mass, sx / mass, sy / mass));
  return fits.sort((a, b) => a.residual - b.residual);
}
