// Dropout (Srivastava et al., JMLR 2014): in training, zero each element with probability p and scale the
// survivors by 1/(1−p) so the expectation is unchanged; identity in eval mode. With its own Generator the masks
// are reproducible — a rollout replayed with the same seed drops the same units.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { Generator } from '../creation.js';
import { bernoulliMask, dropout } from '../functional.js';
import { scope } from '../memory.js';
import { Module } from './module.js';

export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator | null;

  constructor(p = 0.5, opts: { generator?: Generator } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new TorchError(`p must be in [0, 1], got ${p}`, 'Dropout');
    this.p = p;
    this.generator = opts.generator ?? null;
  }

  forward(x: Tensor): Tensor {
    // Eval mode or p = 0: a fresh handle on the same tensor, so callers may dispose the result either way.
    if (!this.training || this.p === 0) return x.view(x.shape);
    if (this.p === 1) return x.mul(0);
    const gen = this.generator;
    if (gen === null) return dropout(x, this.p, true);
    const keepProb = 1 - this.p;
    return scope(() => x.mul(bernoulliMask(x.shape, keepProb, gen)).div(keepProb));
  }
}
