/**
 * No-reference image statistics behind the visual-quality reward. Each is a classic, cheap estimator; none knows
 * the prompt, so each can be gamed alone (DDPO: a compressibility reward drives images to blank backgrounds) —
 * they are meant as components next to a semantic reward, and as hacking monitors (DESIGN §3).
 *
 * All work on the intensity plane I = mean of R, G, B, for images in [0, 1].
 */
import { assertImage, type RGBImage } from '../data/image.js';
import type { RGB } from '../data/shapes/types.js';

/** Mean of the three channels: [H·W]. */
export function intensity(img: RGBImage): Float32Array {
  assertImage(img);
  const plane = img.width * img.height;
  const out = new Float32Array(plane);
  for (let p = 0; p < plane; p++) out[p] = (img.data[p]! + img.data[plane + p]! + img.data[2 * plane + p]!) / 3;
  return out;
}

/** Responses of a 3×3 kernel (row-major) at every interior pixel. */
function filter3(I: Float32Array, W: number, H: number, k: readonly number[]): Float32Array {
  const out = new Float32Array(Math.max(0, (W - 2) * (H - 2)));
  let n = 0;
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      let s = 0;
      for (let j = -1; j <= 1; j++)
        for (let i = -1; i <= 1; i++) s += k[(j + 1) * 3 + i + 1]! * I[(y + j) * W + x + i]!;
      out[n++] = s;
    }
  }
  return out;
}

/**
 * Variance of the Laplacian (4-neighbour kernel) — the focus measure of Pech-Pacheco et al. (ICPR 2000), the
 * usual "is it blurred" test: blur removes high frequencies, so the Laplacian flattens. Noise raises it too,
 * which is why the noise estimate is a separate component.
 */
export function laplacianVariance(img: RGBImage): number {
  const r = filter3(intensity(img), img.width, img.height, [0, 1, 0, 1, -4, 1, 0, 1, 0]);
  if (r.length === 0) return 0;
  let m = 0;
  for (const v of r) m += v;
  m /= r.length;
  let s = 0;
  for (const v of r) s += (v - m) ** 2;
  return s / r.length;
}

/**
 * Noise standard deviation, after Immerkær ("Fast noise variance estimation", CVIU 64(2), 1996): the kernel
 * [1 −2 1; −2 4 −2; 1 −2 1] (a difference of two Laplacians) cancels smooth structure; on i.i.d. noise of std σ
 * its response has std 6σ. Immerkær averages |response|; we take the median instead (Donoho's MAD,
 * σ ≈ median|r| / 0.6745) so that the object edges of our mostly-flat images do not count as noise.
 */
export function noiseSigma(img: RGBImage): number {
  const r = filter3(intensity(img), img.width, img.height, [1, -2, 1, -2, 4, -2, 1, -2, 1]);
  if (r.length === 0) return 0;
  const abs = Float32Array.from(r, Math.abs).sort();
  const med = abs.length % 2 === 1 ? abs[abs.length >> 1]! : (abs[abs.length / 2 - 1]! + abs[abs.length / 2]!) / 2;
  return med / 0.6745 / 6;
}

/**
 * Blocking artefacts: mean |step| across block boundaries minus mean |step| elsewhere, both directions — the
 * idea of Wang, Bovik & Evans ("Blind measurement of blocking artifacts in images", ICIP 2000) in its simplest
 * form. ≈ 0 for natural or rendered images, large when content is constant within blocks of `block` pixels.
 */
export function blockiness(img: RGBImage, block = 8): number {
  const I = intensity(img);
  const { width: W, height: H } = img;
  let sb = 0,
    nb = 0,
    si = 0,
    ni = 0;
  const add = (d: number, boundary: boolean): void => {
    if (boundary) {
      sb += d;
      nb++;
    } else {
      si += d;
      ni++;
    }
  };
  for (let y = 0; y < H; y++)
    for (let x = 0; x + 1 < W; x++) add(Math.abs(I[y * W + x + 1]! - I[y * W + x]!), (x + 1) % block === 0);
  for (let y = 0; y + 1 < H; y++)
    for (let x = 0; x < W; x++) add(Math.abs(I[(y + 1) * W + x]! - I[y * W + x]!), (y + 1) % block === 0);
  return (nb > 0 ? sb / nb : 0) - (ni > 0 ? si / ni : 0);
}

export interface BackgroundOptions {
  /** The scene background colour (the shapes world's black). */
  background: RGB;
  /** A pixel is foreground when some channel differs from the background by more than this. */
  foreground: number;
  /** A background pixel is clean when every channel is within this of the background. */
  clean: number;
}

export const DEFAULT_BACKGROUND_OPTIONS: Readonly<BackgroundOptions> = Object.freeze({
  background: Object.freeze([0, 0, 0]) as RGB,
  foreground: 0.5,
  clean: 0.06,
});

/**
 * Background cleanliness: of the pixels that are background (farther than 2 px from every foreground pixel, so
 * anti-aliased edges do not count — the gold detector measures its background level the same way), the fraction within `clean` of the background colour. 0 when there is no
 * background at all. A blank image scores 1: pair it with a semantic reward.
 */
export function backgroundCleanliness(img: RGBImage, opts: Partial<BackgroundOptions> = {}): number {
  assertImage(img);
  const o = { ...DEFAULT_BACKGROUND_OPTIONS, ...opts };
  const { width: W, height: H, data } = img;
  const plane = W * H;
  const dev = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) dev[p] = Math.max(dev[p]!, Math.abs(data[c * plane + p]! - o.background[c]!));
  }
  let bg = 0;
  let clean = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let nearFg = false;
      for (let j = Math.max(0, y - 2); j <= Math.min(H - 1, y + 2) && !nearFg; j++) {
        for (let i = Math.max(0, x - 2); i <= Math.min(W - 1, x + 2) && !nearFg; i++)
          nearFg = dev[j * W + i]! > o.foreground;
      }
      if (nearFg) continue;
      bg++;
      if (dev[y * W + x]! <= o.clean) clean++;
    }
  }
  return bg === 0 ? 0 : clean / bg;
}
