// Fixed 2D sine-cosine position embeddings, as MAE and DiT use them (He et al., arXiv 2111.06377; Peebles & Xie,
// arXiv 2212.09748; the formula of facebookresearch/mae util/pos_embed.py `get_2d_sincos_pos_embed`, ported in
// idea): half of the D channels encode the row, half the column, each with the transformer's sinusoids
// (Vaswani et al., arXiv 1706.03762 §3.5):
//   for a coordinate p and i < D/4:  [sin(p·ω_i), cos(p·ω_i)],  ω_i = 10000^(−i/(D/4)).
// Why fixed, not learned: a relation word ("left of") is matched against where an image token sits; fixed
// embeddings give every position a distinct, smoothly varying code from the first step (arXiv 2601.06338 finds the
// relation heads of small DiTs attach to exactly these codes), and they cost no parameters.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** The sinusoids of one coordinate axis: [n, dim] for positions 0..n−1 (dim even). */
function axisCodes(n: number, dim: number): Float32Array {
  const half = dim / 2;
  const out = new Float32Array(n * dim);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const w = Math.pow(10000, -i / half); // ω_i
      out[p * dim + i] = Math.sin(p * w);
      out[p * dim + half + i] = Math.cos(p * w);
    }
  }
  return out;
}

/**
 * [rows·cols, dim] float32: row r, column c at index r·cols + c (raster order, as a patchified image's tokens).
 * The first dim/2 channels encode the row (vertical position), the last dim/2 the column. dim must be a multiple of 4.
 */
export function sinCos2d(rows: number, cols: number, dim: number): Tensor {
  if (!Number.isInteger(dim) || dim < 4 || dim % 4 !== 0) {
    throw new Error(`refract sinCos2d: dim must be a multiple of 4, got ${dim} — pick a width divisible by 4`);
  }
  const half = dim / 2;
  const byRow = axisCodes(rows, half);
  const byCol = axisCodes(cols, half);
  const out = new Float32Array(rows * cols * dim);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const o = (r * cols + c) * dim;
      out.set(byRow.subarray(r * half, (r + 1) * half), o);
      out.set(byCol.subarray(c * half, (c + 1) * half), o + half);
    }
  }
  return torch.fromTypedArray(out, [rows * cols, dim]);
}

/** Two coordinate channels [1, 2, H, W]: x (column) and y (row), each from −1 to 1 (CoordConv, arXiv 1807.03247). */
export function coordinateChannels(h: number, w: number): Tensor {
  const out = new Float32Array(2 * h * w);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      out[r * w + c] = w === 1 ? 0 : (2 * c) / (w - 1) - 1;
      out[h * w + r * w + c] = h === 1 ? 0 : (2 * r) / (h - 1) - 1;
    }
  }
  return torch.fromTypedArray(out, [1, 2, h, w]);
}
