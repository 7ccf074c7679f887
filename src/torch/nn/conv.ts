// Convolutions over 1, 2 and 3 spatial dims (torch.nn.Conv1d/2d/3d) and the 2-D transposed convolution
// (torch.nn.ConvTranspose2d). Weights are [out, in/groups, ...kernel] for convolutions and
// [in, out/groups, ...kernel] for the transposed one, as in PyTorch, so checkpoints carry over unchanged.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { empty, type Generator } from '../creation.js';
import { conv1d, conv2d, conv3d, convTranspose2d } from '../functional.js';
import { Module } from './module.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { checkPositive } from './linear.js';
import { AdapterSlot } from './adapter.js';

export interface ConvLayerOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
  dtype?: DType;
  /** Draws the initial weights from this generator instead of the global one. */
  generator?: Generator;
}

type ConvFn = (
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  o: { stride: number[]; padding: number[]; dilation: number[]; groups: number },
) => Tensor;

/** Shared by Conv1d/2d/3d and ConvTranspose2d: geometry, weights and PyTorch's default initialisation. */
abstract class ConvBase extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly groups: number;

  protected constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | number[],
    dims: number,
    transposed: boolean,
    opts: ConvLayerOptions,
  ) {
    super();
    const where = new.target.name;
    this.groups = opts.groups ?? 1;
    checkPositive(where, { inChannels, outChannels, groups: this.groups });
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new TorchError(
        `inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups, got groups=${this.groups}`,
        where,
      );
    }
    this.kernelSize = tuple(kernelSize, dims, 'kernelSize', where);
    this.stride = tuple(opts.stride ?? 1, dims, 'stride', where);
    this.padding = tuple(opts.padding ?? 0, dims, 'padding', where);
    this.dilation = tuple(opts.dilation ?? 1, dims, 'dilation', where);
    const shape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    const w = empty(shape, { dtype: opts.dtype });
    // PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a=√5) on weights, U(±1/√fan_in) on bias, where
    // fan_in = size(1)·kernel volume (out/groups·k for the transposed layout, as PyTorch computes it too).
    kaimingUniform_(w, { a: Math.sqrt(5), generator: opts.generator });
    this.weight = this.registerParameter('weight', w);
    this.bias = null;
    if (opts.bias ?? true) {
      const bound = 1 / Math.sqrt(calculateFanInAndFanOut(w).fanIn);
      this.bias = this.registerParameter(
        'bias',
        uniform_(empty([outChannels], { dtype: opts.dtype }), -bound, bound, opts.generator),
      );
    }
  }

  protected checkInput(x: Tensor, dims: number): void {
    const s = x.shape;
    if (s.length !== dims + 2 || s[1] !== this.inChannels) {
      throw new TorchError(
        `input must be [N, ${this.inChannels}, ${Array(dims).fill('*').join(', ')}], got [${s.join(', ')}] — ` +
          'add a batch dim with unsqueeze(0) or fix inChannels',
        `${this.where}.forward`,
      );
    }
  }
}

abstract class ConvNd extends ConvBase {
  protected abstract readonly dims: number;
  protected abstract readonly fn: ConvFn;
  /** An optional term added to the output (a LoRA adapter, nn/lora.ts); empty by default. */
  readonly adapter = new AdapterSlot(this);

  forward(x: Tensor): Tensor {
    this.checkInput(x, this.dims);
    return this.adapter.forward(x, () => this.fn(x, this.weight, this.bias, this));
  }
}

/** x [N, C, L] → [N, out, L']. */
export class Conv1d extends ConvNd {
  protected readonly dims = 1;
  protected readonly fn: ConvFn = conv1d;
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvLayerOptions = {}) {
    super(inChannels, outChannels, kernelSize, 1, false, opts);
  }
}

/** x [N, C, H, W] → [N, out, H', W']. */
export class Conv2d extends ConvNd {
  protected readonly dims = 2;
  protected readonly fn: ConvFn = conv2d;
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvLayerOptions = {}) {
    super(inChannels, outChannels, kernelSize, 2, false, opts);
  }
}

/** x [N, C, D, H, W] → [N, out, D', H', W']. */
export class Conv3d extends ConvNd {
  protected readonly dims = 3;
  protected readonly fn: ConvFn = conv3d;
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvLayerOptions = {}) {
    super(inChannels, outChannels, kernelSize, 3, false, opts);
  }
}

/**
 * The gradient of Conv2d with respect to its input, used as an upsampler: H' = (H−1)·stride − 2·padding +
 * dilation·(k−1) + outputPadding + 1. `outputPadding` picks among the output sizes a strided conv maps alike.
 */
export class ConvTranspose2d extends ConvBase {
  readonly outputPadding: number[];

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | number[],
    opts: ConvLayerOptions & { outputPadding?: number | number[] } = {},
  ) {
    super(inChannels, outChannels, kernelSize, 2, true, opts);
    this.outputPadding = tuple(opts.outputPadding ?? 0, 2, 'outputPadding', 'ConvTranspose2d');
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    return convTranspose2d(x, this.weight, this.bias, this);
  }
}

function tuple(v: number | number[], n: number, name: string, where: string): number[] {
  const out = typeof v === 'number' ? Array<number>(n).fill(v) : v.slice();
  if (out.length !== n || out.some((e) => !Number.isInteger(e) || e < 0)) {
    throw new TorchError(`${name} must be a non-negative integer or ${n} of them, got ${JSON.stringify(v)}`, where);
  }
  return out;
}
