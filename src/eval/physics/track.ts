/**
 * Links per-frame detections into one track per prompted object. Identity is the prompted colour (a clip's
 * objects have distinct colours); among several detections of that colour the one with the prompted shape, then
 * the one nearest the object's previous position, wins. What is left over in a frame is an extra object.
 */
import type { MovingPromptObject } from '../../data/moving-shapes/grammar.js';
import type { FrameObject } from './detect.js';

export interface Track {
  object: MovingPromptObject;
  /** Per frame: detected or not; centroid (NaN when missing); shape as detected; area and fitted size. */
  present: boolean[];
  cx: number[];
  cy: number[];
  shape: (FrameObject['shape'] | null)[];
  area: number[];
  size: number[];
}

export interface Tracking {
  tracks: Track[];
  /** Per frame: detections assigned to no prompted object. */
  extras: number[];
}

export function trackObjects(
  frames: readonly (readonly FrameObject[])[],
  objects: readonly MovingPromptObject[],
): Tracking {
  const F = frames.length;
  const tracks: Track[] = objects.map((object) => ({
    object,
    present: new Array<boolean>(F).fill(false),
    cx: new Array<number>(F).fill(NaN),
    cy: new Array<number>(F).fill(NaN),
    shape: new Array<FrameObject['shape'] | null>(F).fill(null),
    area: new Array<number>(F).fill(0),
    size: new Array<number>(F).fill(0),
  }));
  const extras = new Array<number>(F).fill(0);
  const last: ({ x: number; y: number } | null)[] = objects.map(() => null);
  for (let k = 0; k < F; k++) {
    const taken = new Set<number>();
    tracks.forEach((tr, i) => {
      const j = pick(frames[k], taken, tr.object, last[i]);
      if (j < 0) return;
      taken.add(j);
      const d = frames[k][j];
      tr.present[k] = true;
      tr.cx[k] = d.cx;
      tr.cy[k] = d.cy;
      tr.shape[k] = d.shape;
      tr.area[k] = d.area;
      tr.size[k] = d.size;
      last[i] = { x: d.cx, y: d.cy };
    });
    extras[k] = frames[k].length - taken.size;
  }
  return { tracks, extras };
}

/** Index of the best untaken detection for `o` in one frame, or −1. */
function pick(
  dets: readonly FrameObject[],
  taken: Set<number>,
  o: MovingPromptObject,
  prev: { x: number; y: number } | null,
): number {
  let best = -1;
  let bestKey = Infinity;
  dets.forEach((d, j) => {
    if (taken.has(j) || d.color !== o.color) return;
    // Shape mismatch costs more than any in-frame distance (frames are ≤ 64 px across).
    const dist = prev ? Math.hypot(d.cx - prev.x, d.cy - prev.y) : 0;
    const key = (d.shape === o.shape ? 0 : 1000) + dist;
    if (key < bestKey) [best, bestKey] = [j, key];
  });
  return best;
}
