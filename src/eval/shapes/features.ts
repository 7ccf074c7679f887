/**
 * Scale-free shape descriptors of one connected component, computed on its bounding box. Every shape in the
 * world fills its own box edge to edge, so box-relative measures separate them without knowing the size:
 *
 *   shape     fill   asym   topCorners  bottomCorners  cornerPixels   (ideal continuous values)
 *   square    1.00   0.00   1.00        1.00           1
 *   circle    0.785  0.00   ≈0.50       ≈0.50          0
 *   triangle  0.50   0.50   0.00        ≈0.75          ≤0.5
 *   cross     0.64   0.00   0.00        0.00           0
 *
 * cornerPixels exists for small circles: at radius ≈ 4 the half-coverage footprint is a 7×7 block minus its
 * corners, which fill and corner cells alone cannot tell from a square.
 */
import type { Component } from './components.js';

export interface ShapeFeatures {
  /** area / box area. */
  fill: number;
  /** (area below the box's middle row − area above) / area; upright triangles are bottom-heavy. */
  asym: number;
  /** Filled fraction of the two top corner cells (outer CORNER_FRAC of width and height). */
  topCorners: number;
  bottomCorners: number;
  /** Fraction of the box's four extreme corner pixels that are on. */
  cornerPixels: number;
  /** Box width / height (all shapes are drawn in square boxes). */
  aspect: number;
}

/** Corner cells span the outer 30% of each side: just outside a cross arm (inner ±40% of the half-extent). */
export const CORNER_FRAC = 0.3;

export function shapeFeatures(c: Component, W: number): ShapeFeatures {
  const w = c.maxX - c.minX + 1;
  const h = c.maxY - c.minY + 1;
  const midY = (c.minY + c.maxY + 1) / 2;
  let below = 0;
  let above = 0;
  let topHit = 0, topAll = 0, botHit = 0, botAll = 0;
  const inCorner = (u: number): boolean => u < CORNER_FRAC || u > 1 - CORNER_FRAC;
  const filled = new Set<number>(c.pixels);
  for (let y = c.minY; y <= c.maxY; y++) {
    const v = (y + 0.5 - c.minY) / h;
    for (let x = c.minX; x <= c.maxX; x++) {
      const on = filled.has(y * W + x);
      const cy = y + 0.5;
      if (on) {
        if (cy > midY) below++;
        else if (cy < midY) above++;
      }
      if (!inCorner(v) || !inCorner((x + 0.5 - c.minX) / w)) continue;
      if (v < 0.5) {
        topAll++;
        if (on) topHit++;
      } else {
        botAll++;
        if (on) botHit++;
      }
    }
  }
  const corners = [c.minY * W + c.minX, c.minY * W + c.maxX, c.maxY * W + c.minX, c.maxY * W + c.maxX];
  return {
    cornerPixels: corners.filter((p) => filled.has(p)).length / 4,
    fill: c.area / (w * h),
    asym: (below - above) / c.area,
    topCorners: topAll > 0 ? topHit / topAll : 0,
    bottomCorners: botAll > 0 ? botHit / botAll : 0,
    aspect: w / h,
  };
}
