// Parameter-free layers as modules, so they can sit in a Sequential: Identity, ReLU, SiLU, GELU.
import type { Tensor } from '../tensor.js';
import { gelu } from '../functional.js';
import { Module } from './module.js';

/** Returns its input (as a fresh handle on the same tensor, so the result can be disposed like any other). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x.view(x.shape);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** x·σ(x) (Elfwing et al., arXiv 1702.03118; a.k.a. swish). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return x.silu();
  }
}

/** x·Φ(x) (Hendrycks & Gimpel, arXiv 1606.08415); `approximate: 'tanh'` is the tanh approximation. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}
