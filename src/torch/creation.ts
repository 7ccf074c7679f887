// Tensor creation and the free functions of the torch namespace (cat, stack, where, einsum, ...).
import { native, TorchError } from './native.js';
import { aten } from './ops.js';
import { dtypeCode, dtypeOfTypedArray, type AnyTypedArray, type DType } from './dtype.js';
import { Tensor, wrap, type NestedArray } from './tensor.js';
import { keep } from './memory.js';
import type { Device } from './device.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** zeros, ones, full and empty only (default: the CPU); elsewhere move with toDevice (./device.ts). */
  device?: Device;
}

const op = {
  zeros: aten('zeros'),
  ones: aten('ones'),
  full: aten('full'),
  empty: aten('empty', 'memory_format'),
  arange: aten('arange', 'start_step'),
  linspace: aten('linspace'),
  eye: aten('eye'),
  zerosLike: aten('zeros_like'),
  onesLike: aten('ones_like'),
  fullLike: aten('full_like'),
  randnGen: aten('randn', 'generator'),
  randGen: aten('rand', 'generator'),
  randintGen: aten('randint', 'low_generator'),
  randnLike: aten('randn_like'),
  randLike: aten('rand_like'),
  multinomial: aten('multinomial'),
  randperm: aten('randperm', 'generator'),
  cat: aten('cat'),
  stack: aten('stack'),
  where: aten('where', 'self'),
  whereScalar: aten('where', 'Scalar'),
  whereScalarOther: aten('where', 'ScalarOther'),
  whereScalarSelf: aten('where', 'ScalarSelf'),
  einsum: aten('einsum'),
  cdist: aten('cdist'),
  meshgrid: aten('meshgrid', 'indexing'),
};

function finish(t: Tensor, opts?: CreateOptions): Tensor {
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function dt(opts?: CreateOptions, fallback: DType = 'float32'): number {
  return dtypeCode(opts?.dtype ?? fallback);
}

function checkShape(shape: number[], fn: string): number[] {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new TorchError(`shape must be non-negative integers, got [${shape.join(', ')}]`, fn);
    }
  }
  return shape;
}

export function zeros(shape: number[], opts?: CreateOptions): Tensor {
  return finish(wrap(op.zeros(checkShape(shape, 'zeros'), dt(opts), undefined, opts?.device)), opts);
}

export function ones(shape: number[], opts?: CreateOptions): Tensor {
  return finish(wrap(op.ones(checkShape(shape, 'ones'), dt(opts), undefined, opts?.device)), opts);
}

export function full(shape: number[], value: number, opts?: CreateOptions): Tensor {
  return finish(wrap(op.full(checkShape(shape, 'full'), value, dt(opts), undefined, opts?.device)), opts);
}

export function empty(shape: number[], opts?: CreateOptions): Tensor {
  return finish(wrap(op.empty(checkShape(shape, 'empty'), dt(opts), undefined, opts?.device)), opts);
}

/** Values in [start, end) with `step`; int64 when all arguments are integers, as in PyTorch. */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  const [s, e] = end === undefined ? [0, start] : [start, end];
  const integral = Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(step);
  return finish(wrap(op.arange(s, e, step, dtypeCode(opts?.dtype ?? (integral ? 'int64' : 'float32')))), opts);
}

export function linspace(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  return finish(wrap(op.linspace(start, end, steps, dt(opts))), opts);
}

export function eye(n: number, opts?: CreateOptions): Tensor {
  return finish(wrap(op.eye(n, dt(opts))), opts);
}

export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor {
  return finish(wrap(op.zerosLike(t.id, opts?.dtype ? dtypeCode(opts.dtype) : null)), opts);
}

export function onesLike(t: Tensor, opts?: CreateOptions): Tensor {
  return finish(wrap(op.onesLike(t.id, opts?.dtype ? dtypeCode(opts.dtype) : null)), opts);
}

export function fullLike(t: Tensor, value: number, opts?: CreateOptions): Tensor {
  return finish(wrap(op.fullLike(t.id, value, opts?.dtype ? dtypeCode(opts.dtype) : null)), opts);
}

/** A tensor over a copy of a typed array's elements, with the given shape (default: 1-D). */
export function fromTypedArray(data: AnyTypedArray, shape?: number[], opts?: CreateOptions): Tensor {
  const srcType: DType = opts?.dtype === 'float16' || opts?.dtype === 'bfloat16' ? opts.dtype : dtypeOfTypedArray(data);
  const s = shape ?? [data.length];
  const n = s.reduce((a, b) => a * b, 1);
  if (n !== data.length) {
    throw new TorchError(`shape [${s.join(', ')}] has ${n} elements but the data has ${data.length}`, 'fromTypedArray');
  }
  const t = wrap(native.fromBytes(data, checkShape(s, 'fromTypedArray'), dtypeCode(srcType)));
  if (opts?.dtype && opts.dtype !== srcType) {
    const converted = t.to(opts.dtype);
    t.dispose();
    return finish(converted, opts);
  }
  return finish(t, opts);
}

/** A tensor from raw little-endian element bytes (the safetensors layout). */
export function fromBytes(bytes: Uint8Array, shape: number[], dtype: DType): Tensor {
  return wrap(native.fromBytes(bytes, checkShape(shape, 'fromBytes'), dtypeCode(dtype)));
}

/** What torch.tensor accepts: a number or boolean, a typed array, or (nested) arrays of those. */
export type TensorData = NestedArray | AnyTypedArray | readonly TensorData[];

function isTypedArray(v: unknown): v is AnyTypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

/** The shape of nested arrays (typed arrays count as arrays), read along the first elements. */
function probeShape(data: TensorData): { shape: number[]; leaf: unknown } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe) || isTypedArray(probe)) {
    shape.push(probe.length);
    probe = (probe as ArrayLike<unknown>)[0];
  }
  return { shape, leaf: probe };
}

/**
 * torch.tensor: from a number, a boolean, a typed array (1-D, its own dtype unless `dtype` is given, as
 * torch.tensor(numpy_array) keeps the array's dtype), or nested arrays of numbers, booleans or typed arrays
 * (float32 unless given a dtype; bools give bool). Ragged nesting and non-numeric elements are errors.
 */
export function tensor(data: TensorData, opts?: CreateOptions): Tensor {
  if (isTypedArray(data)) {
    // A Uint16Array holds raw half-precision bits (fromTypedArray's convention); other arrays hold values.
    if (data instanceof Uint16Array) return fromTypedArray(data, [data.length], opts);
    const t = fromTypedArray(data, [data.length]);
    if (opts?.dtype === undefined || opts.dtype === t.dtype) return finish(t, opts);
    const converted = t.to(opts.dtype);
    t.dispose();
    return finish(converted, opts);
  }
  const { shape, leaf } = probeShape(data);
  const flat: number[] = [];
  const walk = (v: unknown, d: number): void => {
    if (Array.isArray(v) || isTypedArray(v)) {
      if (d >= shape.length) throw new TorchError(`data must not be ragged: expected a number at depth ${d}, got an array`, 'tensor');
      if (v.length !== shape[d]) {
        throw new TorchError(`data must not be ragged: expected length ${shape[d]} at depth ${d}, got ${v.length}`, 'tensor');
      }
      for (let i = 0; i < v.length; i++) walk((v as ArrayLike<unknown>)[i], d + 1);
    } else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      if (d !== shape.length) throw new TorchError(`data must not be ragged: expected an array at depth ${d}, got a number`, 'tensor');
      flat.push(Number(v));
    } else {
      throw new TorchError(
        `data must hold numbers, booleans or typed arrays, got ${describeValue(v)} at depth ${d} — convert it first`,
        'tensor',
      );
    }
  };
  walk(data, 0);
  const dtype = opts?.dtype ?? (typeof leaf === 'boolean' ? 'bool' : 'float32');
  // Staged through float64 unless the target is float32: integers up to 2^53 stay exact (float32 has 24 bits).
  const src = dtype === 'float32' ? Float32Array.from(flat) : Float64Array.from(flat);
  const t = wrap(native.fromBytes(src, shape, dtypeCode(dtype === 'float32' ? 'float32' : 'float64')));
  if (dtype === 'float32' || dtype === 'float64') return finish(t, opts);
  const converted = t.to(dtype);
  t.dispose();
  return finish(converted, opts);
}

export function scalarTensor(value: number, dtype: DType = 'float32'): Tensor {
  return full([], value, { dtype });
}

// ---------- random ----------

/**
 * A seedable random generator (torch.Generator). Pass it to randn/rand/... so each sample's noise is reproducible
 * on its own, independent of what else drew from the global generator.
 */
export class Generator {
  #id: number;
  constructor(seed = 0) {
    this.#id = native.generatorNew(seed);
  }
  get id(): number {
    if (this.#id < 0) throw new TorchError('generator was used after dispose()', 'Generator');
    return this.#id;
  }
  manualSeed(seed: number): this {
    native.generatorSeed(this.id, seed);
    return this;
  }
  /** The full RNG state as a uint8 tensor (to checkpoint and resume a run). */
  getState(): Tensor {
    return wrap(native.generatorGetState(this.id));
  }
  setState(state: Tensor): this {
    native.generatorSetState(this.id, state.id);
    return this;
  }
  dispose(): void {
    if (this.#id >= 0) native.generatorFree(this.#id);
    this.#id = -1;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

let defaultGenerator: Generator | undefined;

/** The global generator (torch.default_generator). */
export function getDefaultGenerator(): Generator {
  if (!defaultGenerator) {
    const g = Object.create(Generator.prototype) as Generator;
    const id = native.generatorDefault();
    Object.defineProperty(g, 'id', { get: () => id });
    // The global generator lives as long as libtorch: disposing it is a no-op (its #id field was never set).
    Object.defineProperty(g, 'dispose', { value: () => undefined });
    defaultGenerator = g;
  }
  return defaultGenerator;
}

export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

export function randn(shape: number[], opts?: RandomOptions): Tensor {
  return finish(wrap(op.randnGen(checkShape(shape, 'randn'), opts?.generator?.id ?? null, dt(opts))), opts);
}

export function rand(shape: number[], opts?: RandomOptions): Tensor {
  return finish(wrap(op.randGen(checkShape(shape, 'rand'), opts?.generator?.id ?? null, dt(opts))), opts);
}

/** Integers in [low, high), int64 by default. */
export function randint(low: number, high: number, shape: number[], opts?: RandomOptions): Tensor {
  return wrap(op.randintGen(low, high, checkShape(shape, 'randint'), opts?.generator?.id ?? null, dt(opts, 'int64')));
}

export function normal(mean: number, std: number, shape: number[], opts?: RandomOptions): Tensor {
  const t = randn(shape, opts);
  if (mean === 0 && std === 1) return t;
  const out = t.mul(std).add(mean);
  t.dispose();
  return out;
}

export function randnLike(t: Tensor): Tensor {
  return wrap(op.randnLike(t.id));
}

export function randLike(t: Tensor): Tensor {
  return wrap(op.randLike(t.id));
}

export function randperm(n: number, opts?: RandomOptions): Tensor {
  return wrap(op.randperm(n, opts?.generator?.id ?? null, dt(opts, 'int64')));
}

/** Samples indices from the rows of `probs` (unnormalised weights allowed), as torch.multinomial. */
export function multinomial(probs: Tensor, numSamples: number, replacement = false, generator?: Generator): Tensor {
  return wrap(op.multinomial(probs.id, numSamples, replacement, generator?.id ?? null));
}

// ---------- combining ----------

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new TorchError('cat needs at least one tensor', 'cat');
  return wrap(op.cat(tensors.map((t) => t.id), dim));
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new TorchError('stack needs at least one tensor', 'stack');
  return wrap(op.stack(tensors.map((t) => t.id), dim));
}

/** Elementwise `condition ? x : y`, with broadcasting; x or y may be numbers. */
export function where(condition: Tensor, x: Tensor | number, y: Tensor | number): Tensor {
  if (typeof x === 'number' && typeof y === 'number') return wrap(op.whereScalar(condition.id, x, y));
  if (typeof x === 'number') return wrap(op.whereScalarSelf(condition.id, x, (y as Tensor).id));
  if (typeof y === 'number') return wrap(op.whereScalarOther(condition.id, x.id, y));
  return wrap(op.where(condition.id, x.id, y.id));
}

export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return wrap(op.einsum(equation, operands.map((t) => t.id)));
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  return a.matmul(b);
}

/** Pairwise p-norm distances between the rows of x1 [.., P, M] and x2 [.., R, M]. */
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor {
  return wrap(op.cdist(x1.id, x2.id, p));
}

export function meshgrid(tensors: Tensor[], indexing: 'ij' | 'xy' = 'ij'): Tensor[] {
  const r = op.meshgrid(tensors.map((t) => t.id), indexing) as number[];
  return r.map((id) => wrap(id));
}

/** A tensor that survives every enclosing scope (a constant, a parameter, optimizer state). */
export function persistent(t: Tensor): Tensor {
  return keep(t);
}
