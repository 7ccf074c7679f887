// Animated GIF output of clips (gifenc, mattdesl/gifenc): a grid of clips whose frames play together, upscaled with
// nearest neighbour like the PNG grids (png.ts). One palette is quantised from every frame at once, so a colour
// cannot flicker between frames; the testbeds' flat palettes plus anti-aliased edges fit 256 colours easily.
import { mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import gifenc from 'gifenc';
import type { RGBImage } from '../../data/image.js';

export interface ClipGridOptions {
  /** Columns of clips; default ceil(sqrt(n)). */
  cols?: number;
  /** Integer upscaling factor; default 4. */
  scale?: number;
  /** Pixels of gap between cells (output pixels); default 2. */
  gap?: number;
  /** Gap colour, 0–255 grey; default 64. */
  gapGrey?: number;
  /** Milliseconds per frame; default 250 (8 frames ≈ 2 s, slow enough to judge motion). */
  delayMs?: number;
}

/** Frame k of every clip laid out as one RGBA canvas. */
function gridFrame(
  clips: readonly RGBImage[][],
  k: number,
  W: number,
  H: number,
  o: Required<ClipGridOptions>,
): Uint8Array {
  const rgba = new Uint8Array(W * H * 4);
  rgba.fill(o.gapGrey);
  for (let p = 3; p < rgba.length; p += 4) rgba[p] = 255;
  clips.forEach((clip, i) => {
    const img = clip[k]!;
    const { width: w, height: h } = img;
    const ox = o.gap + (i % o.cols) * (w * o.scale + o.gap);
    const oy = o.gap + Math.floor(i / o.cols) * (h * o.scale + o.gap);
    for (let y = 0; y < h * o.scale; y++) {
      for (let x = 0; x < w * o.scale; x++) {
        const src = Math.floor(y / o.scale) * w + Math.floor(x / o.scale);
        const dst = ((oy + y) * W + ox + x) * 4;
        for (let c = 0; c < 3; c++)
          rgba[dst + c] = Math.round(Math.min(1, Math.max(0, img.data[c * w * h + src]!)) * 255);
      }
    }
  });
  return rgba;
}

/** Encodes clips (same frame count and size) as one looping animated GIF: frame k shows every clip's frame k. */
export function encodeClipGridGif(clips: readonly RGBImage[][], opts: ClipGridOptions = {}): Uint8Array {
  const F = clips[0]?.length ?? 0;
  if (F === 0) throw new Error('refract gif: clips must be a non-empty list of non-empty clips, got none');
  const { width: w, height: h } = clips[0]![0]!;
  clips.forEach((c, i) => {
    if (c.length !== F || c.some((f) => f.width !== w || f.height !== h)) {
      throw new Error(
        `refract gif: every clip must have ${F} frames of ${w}×${h} like clip 0, got clip ${i} with ${c.length} frames`,
      );
    }
  });
  const o: Required<ClipGridOptions> = {
    cols: opts.cols ?? Math.ceil(Math.sqrt(clips.length)),
    scale: opts.scale ?? 4,
    gap: opts.gap ?? 2,
    gapGrey: opts.gapGrey ?? 64,
    delayMs: opts.delayMs ?? 250,
  };
  const rows = Math.ceil(clips.length / o.cols);
  const W = o.cols * w * o.scale + (o.cols + 1) * o.gap;
  const H = rows * h * o.scale + (rows + 1) * o.gap;
  const frames = Array.from({ length: F }, (_, k) => gridFrame(clips, k, W, H, o));
  const all = new Uint8Array(frames.length * W * H * 4);
  frames.forEach((f, k) => all.set(f, k * f.length));
  const palette = gifenc.quantize(all, 256);
  const gif = gifenc.GIFEncoder();
  // Only the first frame carries the (global) palette: later frames reuse it without a local colour table.
  frames.forEach((f, k) =>
    gif.writeFrame(
      gifenc.applyPalette(f, palette),
      W,
      H,
      k === 0 ? { palette, delay: o.delayMs, repeat: 0 } : { delay: o.delayMs },
    ),
  );
  gif.finish();
  return gif.bytes();
}

/** Writes a clip-grid GIF atomically (temp file + rename, the temp removed on failure), creating the folder. */
export function writeClipGridGif(file: string, clips: readonly RGBImage[][], opts: ClipGridOptions = {}): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, encodeClipGridGif(clips, opts));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true }); // a failed write leaves no orphan temp file
    throw err;
  }
}
