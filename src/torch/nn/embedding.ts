// Embedding: a lookup table of `numEmbeddings` vectors of size `embeddingDim` (torch.nn.Embedding), initialised
// N(0, 1) as in PyTorch, with the padding row (if any) zeroed and excluded from gradient updates.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { empty, type Generator } from '../creation.js';
import { noGrad } from '../autograd.js';
import { embedding } from '../functional.js';
import { Module } from './module.js';
import { normal_ } from './init.js';
import { checkPositive } from './linear.js';

export interface EmbeddingOptions {
  /** Row that stays zero and gets no gradient (e.g. a pad token); negative counts from the end. */
  paddingIdx?: number;
  dtype?: DType;
  generator?: Generator;
}

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: EmbeddingOptions = {},
  ) {
    super();
    checkPositive('Embedding', { numEmbeddings, embeddingDim });
    this.paddingIdx = null;
    if (opts.paddingIdx !== undefined) {
      const p = opts.paddingIdx < 0 ? opts.paddingIdx + numEmbeddings : opts.paddingIdx;
      if (!Number.isInteger(p) || p < 0 || p >= numEmbeddings) {
        throw new TorchError(
          `paddingIdx must be within [-${numEmbeddings}, ${numEmbeddings}), got ${opts.paddingIdx}`,
          'Embedding',
        );
      }
      this.paddingIdx = p;
    }
    const w = normal_(empty([numEmbeddings, embeddingDim], { dtype: opts.dtype }), 0, 1, opts.generator);
    if (this.paddingIdx !== null) {
      const pad = this.paddingIdx;
      noGrad(() => {
        using row = w.select(0, pad);
        row.zero_();
      });
    }
    this.weight = this.registerParameter('weight', w);
  }

  /** Integer indices [...] → vectors [..., embeddingDim]. */
  forward(indices: Tensor): Tensor {
    const dt = indices.dtype;
    if (dt !== 'int64' && dt !== 'int32') {
      throw new TorchError(`indices must be int64 or int32, got ${dt} — convert with .long()`, 'Embedding.forward');
    }
    return embedding(indices, this.weight, this.paddingIdx ?? -1);
  }
}
