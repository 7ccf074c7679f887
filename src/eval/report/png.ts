// PNG output of images and sample grids (pngjs), upscaled with nearest neighbour so 32×32 samples are legible.
import { mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { RGBImage } from '../../data/image.js';

export interface GridOptions {
  /** Columns; default ceil(sqrt(n)). */
  cols?: number;
  /** Integer upscaling factor; default 4. */
  scale?: number;
  /** Pixels of gap between cells (in output pixels); default 2. */
  gap?: number;
  /** Gap colour, 0–255 grey; default 64. */
  gapGrey?: number;
}

/** Lays images (all the same size) out in a grid and encodes it as PNG bytes. */
export function encodeGridPng(images: readonly RGBImage[], opts: GridOptions = {}): Buffer {
  if (images.length === 0) throw new Error('refract png: images must be non-empty, got none');
  const { width: w, height: h } = images[0]!;
  const scale = opts.scale ?? 4;
  const gap = opts.gap ?? 2;
  const cols = opts.cols ?? Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const W = cols * w * scale + (cols + 1) * gap;
  const H = rows * h * scale + (rows + 1) * gap;
  const png = new PNG({ width: W, height: H });
  png.data.fill(opts.gapGrey ?? 64);
  for (let p = 3; p < png.data.length; p += 4) png.data[p] = 255;
  images.forEach((img, i) => {
    const ox = gap + (i % cols) * (w * scale + gap);
    const oy = gap + Math.floor(i / cols) * (h * scale + gap);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const src = Math.floor(y / scale) * w + Math.floor(x / scale);
        const dst = ((oy + y) * W + ox + x) * 4;
        for (let c = 0; c < 3; c++) png.data[dst + c] = Math.round(Math.min(1, Math.max(0, img.data[c * w * h + src]!)) * 255);
      }
    }
  });
  return PNG.sync.write(png);
}

/** Writes a grid PNG atomically (temp file + rename, the temp removed on failure), creating the folder. */
export function writeGridPng(file: string, images: readonly RGBImage[], opts: GridOptions = {}): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, encodeGridPng(images, opts));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true }); // a failed write leaves no orphan temp file
    throw err;
  }
}
