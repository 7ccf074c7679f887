/**
 * Clip rendering: each frame is a shapes-world scene with the objects at their simulated positions, drawn by the
 * shapes world's anti-aliased rasteriser — so a frame of a clip is pixel-for-pixel an ordinary shapes-world image,
 * and the still-image gold evaluator's conventions (palette, threshold at half intensity) carry over.
 */
import type { RGBImage } from '../image.js';
import { renderScene } from '../shapes/render.js';
import type { Scene } from '../shapes/types.js';
import { simulateClip, type Trajectory } from './physics.js';
import type { ClipSpec } from './types.js';

/** The scene of every frame (objects at their simulated box centres). */
export function clipScenes(clip: ClipSpec, trajectories: readonly Trajectory[] = simulateClip(clip)): Scene[] {
  const scenes: Scene[] = [];
  for (let k = 0; k < clip.frames; k++) {
    scenes.push({
      width: clip.width,
      height: clip.height,
      objects: clip.objects.map((o, i) => ({
        shape: o.shape,
        color: o.color,
        size: o.size,
        cx: trajectories[i].x[k],
        cy: trajectories[i].y[k],
      })),
    });
  }
  return scenes;
}

/** The clip's frames as images. */
export function renderClip(clip: ClipSpec, trajectories?: readonly Trajectory[]): RGBImage[] {
  return clipScenes(clip, trajectories).map((s) => renderScene(s));
}

/** Frames packed as one float32 array [F, 3, H, W] (the layout a video model's tensor takes). */
export function packFrames(frames: readonly RGBImage[]): Float32Array {
  if (frames.length === 0) throw new Error('refract moving-shapes: frames must be non-empty, got none');
  const { width, height } = frames[0];
  const size = 3 * width * height;
  const out = new Float32Array(frames.length * size);
  frames.forEach((f, k) => {
    if (f.width !== width || f.height !== height || f.data.length !== size) {
      throw new Error(
        `refract moving-shapes: frames must share one size, got ${width}×${height} and ${f.width}×${f.height} at frame ${k}`,
      );
    }
    out.set(f.data, k * size);
  });
  return out;
}
