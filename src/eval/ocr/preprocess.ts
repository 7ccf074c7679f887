/**
 * Turns a small RGBImage into what tesseract reads well: dark text on a white page, a few dozen pixels tall, with
 * a quiet margin, as a greyscale PNG.
 *
 * 1. Ink map, independent of colour and polarity: each pixel's Euclidean RGB distance from the background colour
 *    (the per-channel median of the border pixels), stretched so the strongest ink is black. Generated images may
 *    draw white-on-black (our default), black-on-white or coloured text; all become black on white. The stretch is
 *    capped (`minContrast`) so a blank image is not amplified into noise that OCR would read as letters.
 * 2. Bilinear upscaling by an integer factor, so the text is ≈ `targetHeight` pixels tall: tesseract's legacy
 *    classifier was trained on print at 20–60 px x-height and misreads 20-pixel glyphs.
 * 3. A white margin of `pad` pixels: tesseract's page segmentation needs background around the text.
 */
import pngjs from 'pngjs';
import { assertImage, type RGBImage } from '../../data/image.js';

export interface OcrPreprocessOptions {
  /** Desired height of the upscaled canvas in pixels (the factor is round(targetHeight / H), at least 1). */
  targetHeight: number;
  /** White margin around the upscaled image, in pixels. */
  pad: number;
  /** Ink distances are divided by max(strongest ink, minContrast). */
  minContrast: number;
}

export const DEFAULT_OCR_PREPROCESS: Readonly<OcrPreprocessOptions> = Object.freeze({
  targetHeight: 64,
  pad: 16,
  minContrast: 0.25,
});

/** Ink strength in [0, 1] per pixel (row-major): distance from the border's median colour, stretched. */
export function inkMap(img: RGBImage, minContrast = DEFAULT_OCR_PREPROCESS.minContrast): Float32Array {
  assertImage(img);
  const { width: W, height: H, data } = img;
  const plane = W * H;
  const bg = [0, 1, 2].map((c) => median(borderValues(data.subarray(c * plane, (c + 1) * plane), W, H)));
  const ink = new Float32Array(plane);
  let strongest = 0;
  for (let p = 0; p < plane; p++) {
    const d = Math.hypot(data[p] - bg[0], data[plane + p] - bg[1], data[2 * plane + p] - bg[2]);
    ink[p] = d;
    strongest = Math.max(strongest, d);
  }
  const scale = 1 / Math.max(strongest, minContrast);
  for (let p = 0; p < plane; p++) ink[p] = Math.min(1, ink[p] * scale);
  return ink;
}

/** The greyscale page (0 = black ink, 255 = white paper), upscaled and padded; returns its size and pixels. */
export function ocrPage(
  img: RGBImage,
  opts: Partial<OcrPreprocessOptions> = {},
): { width: number; height: number; grey: Uint8Array } {
  const o = { ...DEFAULT_OCR_PREPROCESS, ...opts };
  const ink = inkMap(img, o.minContrast);
  const { width: W, height: H } = img;
  const k = Math.max(1, Math.round(o.targetHeight / H));
  const OW = W * k + 2 * o.pad;
  const OH = H * k + 2 * o.pad;
  const grey = new Uint8Array(OW * OH).fill(255);
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= W || y >= H ? 0 : ink[y * W + x]);
  for (let y = 0; y < H * k; y++) {
    const sy = (y + 0.5) / k - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < W * k; x++) {
      const sx = (x + 0.5) / k - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const v =
        (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
        fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      grey[(y + o.pad) * OW + x + o.pad] = Math.round(255 * (1 - v));
    }
  }
  return { width: OW, height: OH, grey };
}

/** ocrPage encoded as a PNG (what tesseract.js takes as a Buffer). */
export function ocrPng(img: RGBImage, opts: Partial<OcrPreprocessOptions> = {}): Buffer {
  const page = ocrPage(img, opts);
  const png = new pngjs.PNG({ width: page.width, height: page.height });
  for (let p = 0; p < page.grey.length; p++) {
    png.data[4 * p] = png.data[4 * p + 1] = png.data[4 * p + 2] = page.grey[p];
    png.data[4 * p + 3] = 255;
  }
  return pngjs.PNG.sync.write(png, { colorType: 0 });
}

function borderValues(channel: Float32Array, W: number, H: number): number[] {
  const out: number[] = [];
  for (let x = 0; x < W; x++) out.push(channel[x], channel[(H - 1) * W + x]);
  for (let y = 1; y < H - 1; y++) out.push(channel[y * W], channel[y * W + W - 1]);
  return out;
}

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}
