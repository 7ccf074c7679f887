/**
 * Outline rasteriser for glyphs: TrueType quadratic contours → polygons → anti-aliased coverage.
 *
 * Coverage uses the nonzero winding rule (TrueType's fill rule) on `ss` sub-scanlines per pixel row; along each
 * sub-scanline the covered spans are accumulated exactly (fractional pixel ends), so edges are anti-aliased
 * smoothly in x and with ss levels in y. With ss = 8 the error against exact area coverage is below 1/16 per pixel,
 * invisible after the generator's own blur and irrelevant to OCR.
 */
import type { Contour } from './ttf.js';

/** A closed polygon as a flat [x0, y0, x1, y1, ...] list in pixel coordinates (y down). */
export type Polygon = number[];

/** Maps a font-space point to pixel space. */
export type PointMap = (x: number, y: number) => [number, number];

/**
 * Flattens one TrueType contour (on-curve points joined by lines, off-curve points as quadratic controls with
 * implied on-curve midpoints between consecutive controls) into a polygon, `steps` segments per curve.
 */
export function flattenContour(contour: Contour, map: PointMap, steps = 8): Polygon {
  const n = contour.length;
  if (n === 0) return [];
  // Start at an on-curve point; a contour of only controls starts at the midpoint of the first two.
  let startIdx = contour.findIndex((q) => q.on);
  let start: [number, number];
  if (startIdx >= 0) {
    start = [contour[startIdx].x, contour[startIdx].y];
  } else {
    startIdx = 0;
    start = [(contour[0].x + contour[1 % n].x) / 2, (contour[0].y + contour[1 % n].y) / 2];
  }
  const out: number[] = [];
  const emit = (x: number, y: number): void => {
    const [px, py] = map(x, y);
    out.push(px, py);
  };
  emit(start[0], start[1]);
  let cur = start;
  let control: [number, number] | null = null;
  const quad = (c: [number, number], end: [number, number]): void => {
    for (let s = 1; s <= steps; s++) {
      const t = s / steps;
      const u = 1 - t;
      emit(u * u * cur[0] + 2 * u * t * c[0] + t * t * end[0], u * u * cur[1] + 2 * u * t * c[1] + t * t * end[1]);
    }
    cur = end;
  };
  for (let k = 1; k <= n; k++) {
    const q = contour[(startIdx + k) % n];
    const pt: [number, number] = [q.x, q.y];
    if (q.on) {
      if (control) quad(control, pt);
      else if (k < n) {
        emit(pt[0], pt[1]);
        cur = pt;
      }
      control = null;
    } else {
      if (control) quad(control, [(control[0] + pt[0]) / 2, (control[1] + pt[1]) / 2]);
      control = pt;
    }
  }
  if (control) quad(control, start);
  return out;
}

/** Nonzero-winding coverage in [0, 1] of each pixel of a width×height canvas (row-major). */
export function rasterizePolygons(polys: readonly Polygon[], width: number, height: number, ss = 8): Float32Array {
  const cover = new Float32Array(width * height);
  const rows = height * ss;
  // crossings[j] lists (x, direction) where edges cross sub-scanline j (at y = (j + 0.5) / ss).
  const crossings: number[][] = Array.from({ length: rows }, () => []);
  for (const poly of polys) {
    const m = poly.length / 2;
    for (let i = 0; i < m; i++) {
      const x0 = poly[2 * i],
        y0 = poly[2 * i + 1];
      const x1 = poly[(2 * i + 2) % poly.length],
        y1 = poly[(2 * i + 3) % poly.length];
      if (y0 === y1) continue;
      const dir = y1 > y0 ? 1 : -1;
      const ya = Math.min(y0, y1),
        yb = Math.max(y0, y1);
      const j0 = Math.max(0, Math.ceil(ya * ss - 0.5));
      const j1 = Math.min(rows - 1, Math.ceil(yb * ss - 0.5) - 1);
      for (let j = j0; j <= j1; j++) {
        const y = (j + 0.5) / ss;
        crossings[j].push(x0 + ((y - y0) / (y1 - y0)) * (x1 - x0), dir);
      }
    }
  }
  const w = 1 / ss;
  for (let j = 0; j < rows; j++) {
    const c = crossings[j];
    if (c.length === 0) continue;
    const order = Array.from({ length: c.length / 2 }, (_, k) => k).sort((a, b) => c[2 * a] - c[2 * b]);
    const rowBase = Math.floor(j / ss) * width;
    let winding = 0;
    for (let k = 0; k < order.length; k++) {
      winding += c[2 * order[k] + 1];
      if (winding === 0 || k + 1 >= order.length) continue;
      addSpan(cover, rowBase, width, c[2 * order[k]], c[2 * order[k + 1]], w);
    }
  }
  for (let i = 0; i < cover.length; i++) cover[i] = Math.min(1, cover[i]);
  return cover;
}

/** Adds weight·(overlap length) of the span [xa, xb) to each pixel of one row. */
function addSpan(cover: Float32Array, rowBase: number, width: number, xa: number, xb: number, weight: number): void {
  const a = Math.max(0, xa);
  const b = Math.min(width, xb);
  if (b <= a) return;
  const pa = Math.floor(a);
  const pb = Math.min(width - 1, Math.floor(b));
  if (pa === pb) {
    cover[rowBase + pa] += (b - a) * weight;
    return;
  }
  cover[rowBase + pa] += (pa + 1 - a) * weight;
  for (let p = pa + 1; p < pb; p++) cover[rowBase + p] += weight;
  if (pb < width) cover[rowBase + pb] += (b - pb) * weight;
}
