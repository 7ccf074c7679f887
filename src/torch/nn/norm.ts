// Normalisation layers: GroupNorm (Wu & He, arXiv 1803.08494) and LayerNorm (Ba et al., arXiv 1607.06450), with
// PyTorch's defaults (eps 1e-5, affine weight = 1 and bias = 0).
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { ones, zeros } from '../creation.js';
import { groupNorm, layerNorm } from '../functional.js';
import { Module } from './module.js';
import { checkPositive } from './linear.js';

export interface GroupNormOptions {
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  dtype?: DType;
}

/** Normalises x [N, C, ...] over each group of C/numGroups channels and all spatial positions. */
export class GroupNorm extends Module {
  readonly weight: Tensor | null = null;
  readonly bias: Tensor | null = null;
  readonly eps: number;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    opts: GroupNormOptions = {},
  ) {
    super();
    checkPositive('GroupNorm', { numGroups, numChannels });
    if (numChannels % numGroups !== 0) {
      throw new TorchError(
        `numChannels (${numChannels}) must be divisible by numGroups, got numGroups=${numGroups} — pick a divisor`,
        'GroupNorm',
      );
    }
    this.eps = opts.eps ?? 1e-5;
    if (opts.affine ?? true) {
      this.weight = this.registerParameter('weight', ones([numChannels], { dtype: opts.dtype }));
      this.bias = this.registerParameter('bias', zeros([numChannels], { dtype: opts.dtype }));
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new TorchError(
        `input must be [N, ${this.numChannels}, ...], got [${x.shape.join(', ')}] — fix numChannels or the input layout`,
        'GroupNorm.forward',
      );
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

export interface LayerNormOptions {
  eps?: number;
  /** Learn an elementwise scale (and shift, unless `bias: false`) over the normalised shape (default true). */
  elementwiseAffine?: boolean;
  bias?: boolean;
  dtype?: DType;
}

/** Normalises over the trailing dims given by `normalizedShape`. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null = null;
  readonly bias: Tensor | null = null;
  readonly eps: number;

  constructor(normalizedShape: number | number[], opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    checkPositive('LayerNorm', Object.fromEntries(this.normalizedShape.map((d, i) => [`normalizedShape[${i}]`, d])));
    this.eps = opts.eps ?? 1e-5;
    if (opts.elementwiseAffine ?? true) {
      this.weight = this.registerParameter('weight', ones(this.normalizedShape, { dtype: opts.dtype }));
      if (opts.bias ?? true)
        this.bias = this.registerParameter('bias', zeros(this.normalizedShape, { dtype: opts.dtype }));
    }
  }

  forward(x: Tensor): Tensor {
    const s = x.shape;
    const tail = s.slice(s.length - this.normalizedShape.length);
    if (s.length < this.normalizedShape.length || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new TorchError(
        `input must end in [${this.normalizedShape.join(', ')}], got [${s.join(', ')}] — fix normalizedShape or the input`,
        'LayerNorm.forward',
      );
    }
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
