/**
 * The image type every testbed, reward and evaluator in Refract exchanges.
 *
 * Channel-first (CHW) float32 in [0, 1], because that is the layout model tensors use ([3, H, W] per sample):
 * handing an image to a network or back is a copy, never a transpose. PNG writers want interleaved 8-bit
 * (HWC uint8), so the converters live here too.
 */
import type { Rng } from './rng.js';

export interface RGBImage {
  width: number;
  height: number;
  /** 3·H·W values, channel-major: data[c·H·W + y·W + x], each in [0, 1]. */
  data: Float32Array;
}

/** A black image of the given size. */
export function createImage(width: number, height: number): RGBImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`refract image: width and height must be positive integers, got ${width}×${height}`);
  }
  return { width, height, data: new Float32Array(3 * width * height) };
}

/** Throws if `img.data` does not hold exactly 3·H·W values (catches HWC/CHW or size mix-ups early). */
export function assertImage(img: RGBImage, what = 'image'): void {
  const expected = 3 * img.width * img.height;
  if (img.data.length !== expected) {
    throw new Error(
      `refract image: ${what}.data must hold 3·H·W = ${expected} values for ${img.width}×${img.height}, ` +
        `got ${img.data.length} — images are CHW float32 with 3 channels`,
    );
  }
}

export function cloneImage(img: RGBImage): RGBImage {
  return { width: img.width, height: img.height, data: new Float32Array(img.data) };
}

/** Interleaved 8-bit RGB (HWC), rounding and clamping to [0, 255] — the layout PNG encoders take. */
export function toHWCUint8(img: RGBImage): Uint8Array {
  assertImage(img);
  const plane = img.width * img.height;
  const out = new Uint8Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round(img.data[c * plane + p] * 255);
      out[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * CHW float image from interleaved 8-bit pixels with `channels` values per pixel (3 = RGB, 4 = RGBA as PNG
 * decoders return; alpha is dropped, not composited, since our testbeds render opaque images).
 */
export function fromHWCUint8(pixels: Uint8Array, width: number, height: number, channels: 3 | 4 = 3): RGBImage {
  const plane = width * height;
  if (pixels.length !== channels * plane) {
    throw new Error(
      `refract image: pixels must hold ${channels}·H·W = ${channels * plane} bytes for ${width}×${height}, ` +
        `got ${pixels.length} — pass channels=4 for RGBA`,
    );
  }
  const img = createImage(width, height);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) img.data[c * plane + p] = pixels[channels * p + c] / 255;
  }
  return img;
}

/**
 * A new image with i.i.d. N(0, std²) noise added to every value, then clamped to [0, 1].
 * Clamping keeps the [0, 1] contract (and mimics what a generator's output clamp does); note it biases the black
 * background upwards by about 0.4·std, which the gold evaluator must tolerate.
 */
export function addGaussianNoise(img: RGBImage, std: number, rng: Rng): RGBImage {
  if (!(std >= 0)) {
    throw new Error(`refract image: noise std must be >= 0, got ${std}`);
  }
  const out = cloneImage(img);
  if (std === 0) return out;
  for (let i = 0; i < out.data.length; i++) {
    const v = out.data[i] + std * rng.normal();
    out.data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
