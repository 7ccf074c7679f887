// Linear: y = x·Wᵀ + b over the last dim (torch.nn.Linear).
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { empty, type Generator } from '../creation.js';
import { linear } from '../functional.js';
import { Module } from './module.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { AdapterSlot } from './adapter.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  /** Draws the initial weights from this generator instead of the global one. */
  generator?: Generator;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** An optional term added to the output (a LoRA adapter, nn/lora.ts); empty by default. */
  readonly adapter = new AdapterSlot(this);

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    checkPositive('Linear', { inFeatures, outFeatures });
    const w = empty([outFeatures, inFeatures], { dtype: opts.dtype });
    // PyTorch's reset_parameters: kaiming_uniform_(a=√5) gives U(±1/√fan_in) on weights, the same bound on bias.
    kaimingUniform_(w, { a: Math.sqrt(5), generator: opts.generator });
    this.weight = this.registerParameter('weight', w);
    this.bias = null;
    if (opts.bias ?? true) {
      const bound = 1 / Math.sqrt(calculateFanInAndFanOut(w).fanIn);
      const b = uniform_(empty([outFeatures], { dtype: opts.dtype }), -bound, bound, opts.generator);
      this.bias = this.registerParameter('bias', b);
    }
  }

  /** x [..., inFeatures] → [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    const s = x.shape;
    if (s[s.length - 1] !== this.inFeatures) {
      throw new TorchError(
        `input's last dim must be inFeatures (${this.inFeatures}), got shape [${s.join(', ')}] — reshape the input ` +
          'or build the layer with the right inFeatures',
        'Linear.forward',
      );
    }
    return this.adapter.forward(x, () => linear(x, this.weight, this.bias));
  }
}

/** Constructor-argument check shared by layers: every size must be a positive integer. */
export function checkPositive(where: string, sizes: Record<string, number>): void {
  for (const [name, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v <= 0) throw new TorchError(`${name} must be a positive integer, got ${v}`, where);
  }
}
