// The Tensor class: a handle to a libtorch tensor with PyTorch's method names in camelCase (in-place ops end in
// `_`, as in tch-rs). Semantics — broadcasting, type promotion, autograd — are libtorch's own.
import { native, TorchError } from './native.js';
import { aten, atenInplace } from './ops.js';
import { dtypeCode, dtypeFromCode, viewBytes, type AnyTypedArray, type DType } from './dtype.js';
import { track, keep, TRACKED, UNSCOPED } from './memory.js';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | number;
/** Nested JS arrays, as torch.tensor takes them. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * The GC backstop. Each tensor's handle lives in a small cell shared with the registry: dispose() frees the
 * handle and marks the cell, so the finalizer of a disposed tensor does nothing. (This is cheaper per op than
 * an unregister token, which costs a hash-table removal on every dispose.)
 */
interface HandleCell {
  id: number;
}
const registry = new FinalizationRegistry<HandleCell>((cell) => {
  if (cell.id >= 0) native.free(cell.id);
  cell.id = -1;
});

/**
 * Unscoped tensors wait here before registering, so one disposed right away (`a.add(b).dispose()` in a loop) never
 * pays for a weak cell: registration is done in batches of NURSERY_SIZE and at the end of the current task, for
 * those still alive. A forgotten tensor is collectable once its batch is flushed. (issue #11: registering every
 * result was ~10% of the per-op loop's CPU.)
 */
const NURSERY_SIZE = 256;
const REGISTER: unique symbol = Symbol('refract.register');
let nursery: Tensor[] = [];
let flushQueued = false;

function flushNursery(): void {
  const batch = nursery;
  nursery = [];
  flushQueued = false;
  for (const t of batch) t[REGISTER]();
}

function deferRegistration(t: Tensor): void {
  nursery.push(t);
  if (nursery.length >= NURSERY_SIZE) flushNursery();
  else if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flushNursery);
  }
}

/** Wraps a native result: a handle, null, or an array of those. */
export function wrap(result: unknown): Tensor {
  if (typeof result !== 'number') throw new TorchError(`expected a tensor result, got ${typeof result}`, 'wrap');
  return new Tensor(result);
}

export function wrapList(result: unknown): Tensor[] {
  if (!Array.isArray(result)) throw new TorchError('expected a list of tensors', 'wrap');
  return result.map((r) => wrap(r));
}

const op = {
  add: aten('add', 'Tensor'),
  addScalar: aten('add', 'Scalar'),
  sub: aten('sub', 'Tensor'),
  subScalar: aten('sub', 'Scalar'),
  rsubScalar: aten('rsub', 'Scalar'),
  mul: aten('mul', 'Tensor'),
  mulScalar: aten('mul', 'Scalar'),
  div: aten('div', 'Tensor'),
  divScalar: aten('div', 'Scalar'),
  powTensor: aten('pow', 'Tensor_Tensor'),
  powScalar: aten('pow', 'Tensor_Scalar'),
  remainder: aten('remainder', 'Scalar'),
  maximum: aten('maximum'),
  minimum: aten('minimum'),
  clamp: aten('clamp'),
  clampTensor: aten('clamp', 'Tensor'),
  eq: aten('eq', 'Tensor'),
  eqScalar: aten('eq', 'Scalar'),
  ne: aten('ne', 'Tensor'),
  neScalar: aten('ne', 'Scalar'),
  lt: aten('lt', 'Tensor'),
  ltScalar: aten('lt', 'Scalar'),
  le: aten('le', 'Tensor'),
  leScalar: aten('le', 'Scalar'),
  gt: aten('gt', 'Tensor'),
  gtScalar: aten('gt', 'Scalar'),
  ge: aten('ge', 'Tensor'),
  geScalar: aten('ge', 'Scalar'),
  logicalAnd: aten('logical_and'),
  logicalOr: aten('logical_or'),
  logicalNot: aten('logical_not'),
  sum: aten('sum'),
  sumDim: aten('sum', 'dim_IntList'),
  mean: aten('mean'),
  meanDim: aten('mean', 'dim'),
  prod: aten('prod'),
  prodDim: aten('prod', 'dim_int'),
  varCorrection: aten('var', 'correction'),
  stdCorrection: aten('std', 'correction'),
  max: aten('max'),
  maxDim: aten('max', 'dim'),
  min: aten('min'),
  minDim: aten('min', 'dim'),
  amax: aten('amax'),
  amin: aten('amin'),
  argmax: aten('argmax'),
  argmin: aten('argmin'),
  logsumexp: aten('logsumexp'),
  norm: aten('linalg_vector_norm'),
  all: aten('all'),
  allDim: aten('all', 'dim'),
  any: aten('any'),
  anyDim: aten('any', 'dim'),
  cumsum: aten('cumsum'),
  matmul: aten('matmul'),
  bmm: aten('bmm'),
  mm: aten('mm'),
  reshape: aten('reshape'),
  view: aten('view'),
  permute: aten('permute'),
  transpose: aten('transpose', 'int'),
  t: aten('t'),
  squeeze: aten('squeeze'),
  squeezeDim: aten('squeeze', 'dim'),
  unsqueeze: aten('unsqueeze'),
  expand: aten('expand'),
  flatten: aten('flatten', 'using_ints'),
  unflatten: aten('unflatten', 'int'),
  splitWithSizes: aten('split_with_sizes'),
  split: aten('split', 'Tensor'),
  chunk: aten('chunk'),
  repeat: aten('repeat'),
  flip: aten('flip'),
  roll: aten('roll'),
  narrow: aten('narrow'),
  select: aten('select', 'int'),
  slice: aten('slice', 'Tensor'),
  index: aten('index', 'Tensor'),
  indexPut: aten('index_put'),
  indexSelect: aten('index_select'),
  gather: aten('gather'),
  scatter: aten('scatter', 'src'),
  scatterValue: aten('scatter', 'value'),
  scatterAdd: aten('scatter_add'),
  maskedFill: aten('masked_fill', 'Scalar'),
  maskedFillTensor: aten('masked_fill', 'Tensor'),
  softmax: aten('softmax', 'int'),
  logSoftmax: aten('log_softmax', 'int'),
  sort: aten('sort'),
  topk: aten('topk'),
  to: aten('to', 'dtype'),
  clone: aten('clone'),
  detach: aten('detach'),
  contiguous: aten('contiguous'),
  tril: aten('tril'),
  triu: aten('triu'),
  nanToNum: aten('nan_to_num'),
  lerp: aten('lerp', 'Scalar'),
  diag: aten('diag'),
  outer: aten('outer'),
};

const unary = (name: string) => aten(name);
const unaryOps = {
  neg: unary('neg'),
  abs: unary('abs'),
  exp: unary('exp'),
  log: unary('log'),
  log1p: unary('log1p'),
  expm1: unary('expm1'),
  sqrt: unary('sqrt'),
  rsqrt: unary('rsqrt'),
  square: unary('square'),
  reciprocal: unary('reciprocal'),
  sign: unary('sign'),
  floor: unary('floor'),
  ceil: unary('ceil'),
  round: unary('round'),
  sin: unary('sin'),
  cos: unary('cos'),
  tanh: unary('tanh'),
  sigmoid: unary('sigmoid'),
  relu: unary('relu'),
  silu: unary('silu'),
  erf: unary('erf'),
  isnan: unary('isnan'),
  isfinite: unary('isfinite'),
};

const inplace = {
  add_: atenInplace('add_', 'Tensor'),
  addScalar_: atenInplace('add_', 'Scalar'),
  sub_: atenInplace('sub_', 'Tensor'),
  mul_: atenInplace('mul_', 'Tensor'),
  mulScalar_: atenInplace('mul_', 'Scalar'),
  div_: atenInplace('div_', 'Tensor'),
  divScalar_: atenInplace('div_', 'Scalar'),
  addcmul_: atenInplace('addcmul_'),
  addcdiv_: atenInplace('addcdiv_'),
  lerp_: atenInplace('lerp_', 'Scalar'),
  lerpTensor_: atenInplace('lerp_', 'Tensor'),
  copy_: atenInplace('copy_'),
  zero_: atenInplace('zero_'),
  fill_: atenInplace('fill_', 'Scalar'),
  clamp_: atenInplace('clamp_'),
  sqrt_: atenInplace('sqrt_'),
  normal_: atenInplace('normal_'),
  uniform_: atenInplace('uniform_'),
  maskedFill_: atenInplace('masked_fill_', 'Scalar'),
  indexPut_: atenInplace('index_put_'),
};

/** One entry of an index expression, as in Python's `x[0, 1:5:2, None, ..., idx]`. */
export type IndexSpec = number | Slice | null | '...' | Tensor;

export interface Slice {
  readonly kind: 'slice';
  start?: number;
  stop?: number;
  step?: number;
}

/** `slice(1, 5, 2)` is Python's `1:5:2`; `slice()` is `:`. Negative bounds count from the end. */
export function slice(start?: number | null, stop?: number | null, step = 1): Slice {
  return { kind: 'slice', start: start ?? undefined, stop: stop ?? undefined, step };
}

export class Tensor {
  declare readonly [TRACKED]: true; // on the prototype (below): an own field cost a property definition per tensor
  readonly #cell: HandleCell;
  #shape: number[] | undefined;
  #registered = false;

  /** Internal: adopts a native handle. Use the creation functions (zeros, tensor, ...) instead. */
  constructor(id: number) {
    this.#cell = { id };
    if (!track(this)) this[UNSCOPED]();
  }

  /** The GC backstop, once no scope owns this tensor (memory.ts); scoped intermediates never need it. */
  [UNSCOPED](): void {
    if (this.#registered || this.#cell.id < 0) return;
    this.#registered = true;
    deferRegistration(this);
  }

  /** The nursery's flush: registers with the FinalizationRegistry unless already disposed. */
  [REGISTER](): void {
    if (this.#cell.id >= 0) registry.register(this, this.#cell);
  }

  /** The native handle; throws if disposed. */
  get id(): number {
    const id = this.#cell.id;
    if (id < 0) throw new TorchError('tensor was used after dispose()', 'Tensor');
    return id;
  }

  get disposed(): boolean {
    return this.#cell.id < 0;
  }

  /** Frees the native tensor now. Safe to call twice. Autograd graphs keep their own references. */
  dispose(): void {
    const id = this.#cell.id;
    if (id < 0) return;
    this.#cell.id = -1;
    native.free(id);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Keeps this tensor alive past the enclosing scope(). */
  keep(): this {
    return keep(this);
  }

  // ---------- metadata ----------

  get shape(): number[] {
    if (this.#shape === undefined) this.#shape = native.shape(this.id);
    return this.#shape.slice();
  }

  get dtype(): DType {
    return dtypeFromCode(native.dtype(this.id));
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.ndim;
  }

  size(dim?: number): number {
    const s = this.shape;
    if (dim === undefined) return s.reduce((a, b) => a * b, 1);
    if (s.length === 0) throw new TorchError(`dim ${dim} is out of range for a 0-d tensor, which has no dims`, 'size');
    return s[normDim(dim, s.length, 'size')]!;
  }

  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  stride(): number[] {
    return native.strides(this.id);
  }

  // ---------- data out ----------

  /** The elements as a typed array (contiguous copy): Float32Array for float32, BigInt64Array for int64, ... */
  toTypedArray(): AnyTypedArray {
    return viewBytes(native.toBytes(this.id), this.dtype);
  }

  /** The elements as a flat number[] (half floats are converted through float32). */
  toArray(): number[] {
    const dt = this.dtype;
    if (dt === 'float16' || dt === 'bfloat16') {
      using f = this.to('float32');
      return f.toArray();
    }
    const a = this.toTypedArray();
    return a instanceof BigInt64Array ? Array.from(a, (x) => Number(x)) : Array.from(a);
  }

  /** Nested arrays shaped like the tensor, as Tensor.tolist(). */
  tolist(): NestedArray {
    const flat = this.toArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0]!;
    const build = (d: number, offset: number): NestedArray[] => {
      const n = shape[d]!;
      const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(d === shape.length - 1 ? flat[offset + i]! : build(d + 1, offset + i * inner));
      return out;
    };
    return build(0, 0);
  }

  item(): number {
    const v = native.item(this.id);
    return typeof v === 'boolean' ? Number(v) : v;
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}${this.requiresGrad ? ', requires_grad' : ''})`;
  }

  // ---------- autograd ----------

  get requiresGrad(): boolean {
    return native.requiresGrad(this.id);
  }

  set requiresGrad(v: boolean) {
    native.setRequiresGrad(this.id, v);
  }

  requiresGrad_(v = true): this {
    native.setRequiresGrad(this.id, v);
    return this;
  }

  get isLeaf(): boolean {
    return native.isLeaf(this.id);
  }

  /** The accumulated gradient (a new handle each call; dispose it or use it in a scope), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.id);
    return g === null ? null : new Tensor(g);
  }

  set grad(g: Tensor | null) {
    native.setGrad(this.id, g === null ? null : g.id);
  }

  /** Backpropagates from this tensor; `gradient` is required for non-scalar outputs, as in PyTorch. */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward([this.id], [gradient ? gradient.id : null], opts.retainGraph, opts.createGraph ?? false);
  }

  detach(): Tensor {
    return wrap(op.detach(this.id));
  }

  // ---------- conversion ----------

  to(dtype: DType): Tensor {
    return wrap(op.to(this.id, dtypeCode(dtype)));
  }

  float(): Tensor {
    return this.to('float32');
  }

  double(): Tensor {
    return this.to('float64');
  }

  long(): Tensor {
    return this.to('int64');
  }

  int(): Tensor {
    return this.to('int32');
  }

  bool(): Tensor {
    return this.to('bool');
  }

  half(): Tensor {
    return this.to('float16');
  }

  clone(): Tensor {
    return wrap(op.clone(this.id));
  }

  contiguous(): Tensor {
    return wrap(op.contiguous(this.id));
  }

  // ---------- elementwise arithmetic (broadcasting) ----------

  add(other: TensorOrScalar, alpha?: number): Tensor {
    return wrap(typeof other === 'number' ? op.addScalar(this.id, other, alpha) : op.add(this.id, other.id, alpha));
  }

  sub(other: TensorOrScalar, alpha?: number): Tensor {
    return wrap(typeof other === 'number' ? op.subScalar(this.id, other, alpha) : op.sub(this.id, other.id, alpha));
  }

  /** `other - this` for a number (torch.rsub). */
  rsub(other: number): Tensor {
    return wrap(op.rsubScalar(this.id, other));
  }

  mul(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.mulScalar(this.id, other) : op.mul(this.id, other.id));
  }

  div(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.divScalar(this.id, other) : op.div(this.id, other.id));
  }

  pow(exponent: TensorOrScalar): Tensor {
    return wrap(
      typeof exponent === 'number' ? op.powScalar(this.id, exponent) : op.powTensor(this.id, exponent.id),
    );
  }

  remainder(other: number): Tensor {
    return wrap(op.remainder(this.id, other));
  }

  maximum(other: Tensor): Tensor {
    return wrap(op.maximum(this.id, other.id));
  }

  minimum(other: Tensor): Tensor {
    return wrap(op.minimum(this.id, other.id));
  }

  clamp(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor {
    if (!(min instanceof Tensor) && !(max instanceof Tensor)) return wrap(op.clamp(this.id, min ?? null, max ?? null));
    if (min instanceof Tensor && max instanceof Tensor) return wrap(op.clampTensor(this.id, min.id, max.id));
    // One tensor bound and one number: clamp.Tensor takes no numbers, so apply the lower bound, then the upper
    // (min(max(x, lo), hi), as torch.clamp).
    const lowered = wrap(min instanceof Tensor ? op.clampTensor(this.id, min.id, null) : op.clamp(this.id, min ?? null, null));
    try {
      return wrap(max instanceof Tensor ? op.clampTensor(lowered.id, null, max.id) : op.clamp(lowered.id, null, max ?? null));
    } finally {
      lowered.dispose();
    }
  }

  lerp(end: Tensor, weight: number): Tensor {
    return wrap(op.lerp(this.id, end.id, weight));
  }

  neg(): Tensor { return wrap(unaryOps.neg(this.id)); }
  abs(): Tensor { return wrap(unaryOps.abs(this.id)); }
  exp(): Tensor { return wrap(unaryOps.exp(this.id)); }
  log(): Tensor { return wrap(unaryOps.log(this.id)); }
  log1p(): Tensor { return wrap(unaryOps.log1p(this.id)); }
  expm1(): Tensor { return wrap(unaryOps.expm1(this.id)); }
  sqrt(): Tensor { return wrap(unaryOps.sqrt(this.id)); }
  rsqrt(): Tensor { return wrap(unaryOps.rsqrt(this.id)); }
  square(): Tensor { return wrap(unaryOps.square(this.id)); }
  reciprocal(): Tensor { return wrap(unaryOps.reciprocal(this.id)); }
  sign(): Tensor { return wrap(unaryOps.sign(this.id)); }
  floor(): Tensor { return wrap(unaryOps.floor(this.id)); }
  ceil(): Tensor { return wrap(unaryOps.ceil(this.id)); }
  round(): Tensor { return wrap(unaryOps.round(this.id)); }
  sin(): Tensor { return wrap(unaryOps.sin(this.id)); }
  cos(): Tensor { return wrap(unaryOps.cos(this.id)); }
  tanh(): Tensor { return wrap(unaryOps.tanh(this.id)); }
  sigmoid(): Tensor { return wrap(unaryOps.sigmoid(this.id)); }
  relu(): Tensor { return wrap(unaryOps.relu(this.id)); }
  silu(): Tensor { return wrap(unaryOps.silu(this.id)); }
  erf(): Tensor { return wrap(unaryOps.erf(this.id)); }
  isnan(): Tensor { return wrap(unaryOps.isnan(this.id)); }
  isfinite(): Tensor { return wrap(unaryOps.isfinite(this.id)); }

  // ---------- comparisons and logic ----------

  eq(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.eqScalar(this.id, other) : op.eq(this.id, other.id));
  }
  ne(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.neScalar(this.id, other) : op.ne(this.id, other.id));
  }
  lt(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.ltScalar(this.id, other) : op.lt(this.id, other.id));
  }
  le(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.leScalar(this.id, other) : op.le(this.id, other.id));
  }
  gt(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.gtScalar(this.id, other) : op.gt(this.id, other.id));
  }
  ge(other: TensorOrScalar): Tensor {
    return wrap(typeof other === 'number' ? op.geScalar(this.id, other) : op.ge(this.id, other.id));
  }
  logicalAnd(other: Tensor): Tensor { return wrap(op.logicalAnd(this.id, other.id)); }
  logicalOr(other: Tensor): Tensor { return wrap(op.logicalOr(this.id, other.id)); }
  logicalNot(): Tensor { return wrap(op.logicalNot(this.id)); }

  // ---------- reductions ----------

  sum(dim?: number | number[], keepdim = false): Tensor {
    return wrap(dim === undefined ? op.sum(this.id) : op.sumDim(this.id, dims(dim), keepdim));
  }

  mean(dim?: number | number[], keepdim = false): Tensor {
    return wrap(dim === undefined ? op.mean(this.id) : op.meanDim(this.id, dims(dim), keepdim));
  }

  prod(dim?: number, keepdim = false): Tensor {
    return wrap(dim === undefined ? op.prod(this.id) : op.prodDim(this.id, dim, keepdim));
  }

  /** Variance; `correction` 1 is Bessel's (PyTorch's default unbiased=True), 0 the population variance. */
  var(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(op.varCorrection(this.id, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }

  std(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(op.stdCorrection(this.id, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }

  /** Global max; use maxDim for values and indices along a dim. */
  max(): Tensor {
    return wrap(op.max(this.id));
  }

  min(): Tensor {
    return wrap(op.min(this.id));
  }

  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = wrapList(op.maxDim(this.id, dim, keepdim));
    return { values: values!, indices: indices! };
  }

  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = wrapList(op.minDim(this.id, dim, keepdim));
    return { values: values!, indices: indices! };
  }

  amax(dim: number | number[], keepdim = false): Tensor {
    return wrap(op.amax(this.id, dims(dim), keepdim));
  }

  amin(dim: number | number[], keepdim = false): Tensor {
    return wrap(op.amin(this.id, dims(dim), keepdim));
  }

  argmax(dim?: number, keepdim = false): Tensor {
    return wrap(op.argmax(this.id, dim ?? null, keepdim));
  }

  argmin(dim?: number, keepdim = false): Tensor {
    return wrap(op.argmin(this.id, dim ?? null, keepdim));
  }

  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return wrap(op.logsumexp(this.id, dims(dim), keepdim));
  }

  /** Vector p-norm over `dim` (all elements when omitted), as torch.linalg.vector_norm. */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return wrap(op.norm(this.id, p, dim === undefined ? null : dims(dim), keepdim));
  }

  all(dim?: number, keepdim = false): Tensor {
    return wrap(dim === undefined ? op.all(this.id) : op.allDim(this.id, dim, keepdim));
  }

  any(dim?: number, keepdim = false): Tensor {
    return wrap(dim === undefined ? op.any(this.id) : op.anyDim(this.id, dim, keepdim));
  }

  cumsum(dim: number): Tensor {
    return wrap(op.cumsum(this.id, dim));
  }

  // ---------- linear algebra ----------

  matmul(other: Tensor): Tensor {
    return wrap(op.matmul(this.id, other.id));
  }

  mm(other: Tensor): Tensor {
    return wrap(op.mm(this.id, other.id));
  }

  bmm(other: Tensor): Tensor {
    return wrap(op.bmm(this.id, other.id));
  }

  outer(other: Tensor): Tensor {
    return wrap(op.outer(this.id, other.id));
  }

  t(): Tensor {
    return wrap(op.t(this.id));
  }

  // ---------- shape ----------

  reshape(...shape: number[] | [number[]]): Tensor {
    return wrap(op.reshape(this.id, flatShape(shape)));
  }

  view(...shape: number[] | [number[]]): Tensor {
    return wrap(op.view(this.id, flatShape(shape)));
  }

  permute(...order: number[] | [number[]]): Tensor {
    return wrap(op.permute(this.id, flatShape(order)));
  }

  transpose(dim0: number, dim1: number): Tensor {
    return wrap(op.transpose(this.id, dim0, dim1));
  }

  squeeze(dim?: number): Tensor {
    return wrap(dim === undefined ? op.squeeze(this.id) : op.squeezeDim(this.id, dim));
  }

  unsqueeze(dim: number): Tensor {
    return wrap(op.unsqueeze(this.id, dim));
  }

  expand(...shape: number[] | [number[]]): Tensor {
    return wrap(op.expand(this.id, flatShape(shape)));
  }

  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }

  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(op.flatten(this.id, startDim, endDim));
  }

  unflatten(dim: number, sizes: number[]): Tensor {
    return wrap(op.unflatten(this.id, dim, sizes));
  }

  /** Splits into chunks of `size` (a number) or of the given sizes (an array), as Tensor.split. */
  split(sizes: number | number[], dim = 0): Tensor[] {
    return wrapList(typeof sizes === 'number' ? op.split(this.id, sizes, dim) : op.splitWithSizes(this.id, sizes, dim));
  }

  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapList(op.chunk(this.id, chunks, dim));
  }

  repeat(...times: number[] | [number[]]): Tensor {
    return wrap(op.repeat(this.id, flatShape(times)));
  }

  flip(dims_: number | number[]): Tensor {
    return wrap(op.flip(this.id, dims(dims_)));
  }

  roll(shifts: number | number[], dim: number | number[]): Tensor {
    return wrap(op.roll(this.id, dims(shifts), dims(dim)));
  }

  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(op.narrow(this.id, dim, start, length));
  }

  select(dim: number, index: number): Tensor {
    return wrap(op.select(this.id, dim, index));
  }

  tril(diagonal = 0): Tensor {
    return wrap(op.tril(this.id, diagonal));
  }

  triu(diagonal = 0): Tensor {
    return wrap(op.triu(this.id, diagonal));
  }

  diag(diagonal = 0): Tensor {
    return wrap(op.diag(this.id, diagonal));
  }

  // ---------- indexing ----------

  /**
   * Python-style indexing: `x.index(0, slice(1, null, 2), null, '...', idx)` is `x[0, 1::2, None, ..., idx]`.
   * Integers select (dropping the dim), slices keep it, null inserts a dim, a Tensor indexes (advanced).
   */
  index(...spec: IndexSpec[]): Tensor {
    return applyIndex(this, spec);
  }

  /** Returns a copy with `values` written at `indices` (tensors, or null for a full dim), as index_put. */
  indexPut(indices: (Tensor | null)[], values: Tensor, accumulate = false): Tensor {
    return wrap(op.indexPut(this.id, indices.map((t) => (t ? t.id : null)), values.id, accumulate));
  }

  indexPut_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    inplace.indexPut_(this.id, indices.map((t) => (t ? t.id : null)), values.id, accumulate);
    return this;
  }

  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(op.indexSelect(this.id, dim, index.id));
  }

  gather(dim: number, index: Tensor): Tensor {
    return wrap(op.gather(this.id, dim, index.id));
  }

  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return wrap(
      typeof src === 'number' ? op.scatterValue(this.id, dim, index.id, src) : op.scatter(this.id, dim, index.id, src.id),
    );
  }

  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(op.scatterAdd(this.id, dim, index.id, src.id));
  }

  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return wrap(
      typeof value === 'number' ? op.maskedFill(this.id, mask.id, value) : op.maskedFillTensor(this.id, mask.id, value.id),
    );
  }

  // ---------- softmax, sorting ----------

  softmax(dim: number): Tensor {
    return wrap(op.softmax(this.id, dim));
  }

  logSoftmax(dim: number): Tensor {
    return wrap(op.logSoftmax(this.id, dim));
  }

  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = wrapList(op.sort(this.id, dim, descending));
    return { values: values!, indices: indices! };
  }

  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [values, indices] = wrapList(op.topk(this.id, k, dim, largest, sorted));
    return { values: values!, indices: indices! };
  }

  nanToNum(nan = 0, posinf?: number, neginf?: number): Tensor {
    return wrap(op.nanToNum(this.id, nan, posinf ?? null, neginf ?? null));
  }

  // ---------- in-place (end in _, as in PyTorch) ----------

  add_(other: TensorOrScalar, alpha?: number): this {
    if (typeof other === 'number') inplace.addScalar_(this.id, other, alpha);
    else inplace.add_(this.id, other.id, alpha);
    return this;
  }

  sub_(other: Tensor, alpha?: number): this {
    inplace.sub_(this.id, other.id, alpha);
    return this;
  }

  mul_(other: TensorOrScalar): this {
    if (typeof other === 'number') inplace.mulScalar_(this.id, other);
    else inplace.mul_(this.id, other.id);
    return this;
  }

  div_(other: TensorOrScalar): this {
    if (typeof other === 'number') inplace.divScalar_(this.id, other);
    else inplace.div_(this.id, other.id);
    return this;
  }

  /** this += value · t1 · t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    inplace.addcmul_(this.id, t1.id, t2.id, value);
    return this;
  }

  /** this += value · t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    inplace.addcdiv_(this.id, t1.id, t2.id, value);
    return this;
  }

  lerp_(end: Tensor, weight: TensorOrScalar): this {
    if (typeof weight === 'number') inplace.lerp_(this.id, end.id, weight);
    else inplace.lerpTensor_(this.id, end.id, weight.id);
    return this;
  }

  copy_(src: Tensor): this {
    inplace.copy_(this.id, src.id);
    return this;
  }

  zero_(): this {
    inplace.zero_(this.id);
    return this;
  }

  fill_(value: number): this {
    inplace.fill_(this.id, value);
    return this;
  }

  clamp_(min?: number | null, max?: number | null): this {
    inplace.clamp_(this.id, min ?? null, max ?? null);
    return this;
  }

  sqrt_(): this {
    inplace.sqrt_(this.id);
    return this;
  }

  maskedFill_(mask: Tensor, value: number): this {
    inplace.maskedFill_(this.id, mask.id, value);
    return this;
  }

  normal_(mean = 0, std = 1, generator?: { id: number }): this {
    inplace.normal_(this.id, mean, std, generator?.id ?? null);
    return this;
  }

  uniform_(from = 0, to = 1, generator?: { id: number }): this {
    inplace.uniform_(this.id, from, to, generator?.id ?? null);
    return this;
  }
}
// Scopes recognise tensors by this flag (memory.ts isTracked); shared on the prototype, not set per instance.
Object.defineProperty(Tensor.prototype, TRACKED, { value: true });

// ---------- helpers ----------

export function normDim(dim: number, ndim: number, where: string): number {
  const d = dim < 0 ? dim + ndim : dim;
  if (d < 0 || d >= Math.max(ndim, 1)) {
    throw new TorchError(`dim ${dim} is out of range for a tensor of rank ${ndim}`, where);
  }
  return d;
}

function dims(d: number | number[]): number[] {
  return typeof d === 'number' ? [d] : d;
}

function flatShape(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}

function isMask(s: IndexSpec): s is Tensor {
  if (!(s instanceof Tensor)) return false;
  const dt = s.dtype;
  return dt === 'bool' || dt === 'uint8';
}

function applyIndex(x: Tensor, spec: IndexSpec[]): Tensor {
  const ellipsis = spec.filter((s) => s === '...').length;
  if (ellipsis > 1) throw new TorchError('an index can have only one ellipsis (...)', 'index');
  // A boolean mask of rank k consumes k dims; every other entry but None and ... consumes one.
  const width = (s: IndexSpec): number => (s === null || s === '...' ? 0 : isMask(s) ? s.ndim : 1);
  const consumed = spec.reduce<number>((n, s) => n + width(s), 0);
  const rank = x.ndim;
  if (consumed > rank) throw new TorchError(`too many indices (${consumed}) for a tensor of rank ${rank}`, 'index');
  let cur = x;
  const advanced: (Tensor | null)[] = [];
  let dim = 0; // the dim of `cur` the next entry applies to
  let srcDim = 0; // the same dim counted in `x`, for messages
  const owned: Tensor[] = [];
  const step = (t: Tensor): void => {
    if (cur !== x) owned.push(cur);
    cur = t;
  };
  try {
    for (const s of spec) {
      if (s === '...') {
        const skip = rank - consumed;
        for (let i = 0; i < skip; i++) advanced.push(null);
        dim += skip;
        srcDim += skip;
      } else if (s === null) {
        step(cur.unsqueeze(dim));
        advanced.push(null);
        dim++;
      } else if (typeof s === 'number') {
        const size = cur.shape[dim]!;
        if (s < -size || s >= size) {
          throw new TorchError(`index ${s} is out of bounds for dimension ${srcDim} with size ${size}`, 'index');
        }
        step(cur.select(dim, s));
        srcDim++;
      } else if (s instanceof Tensor) {
        advanced.push(s);
        dim += width(s);
        srcDim += width(s);
      } else {
        step(wrap(op.slice(cur.id, dim, s.start ?? null, s.stop ?? null, s.step ?? 1)));
        advanced.push(null);
        dim++;
        srcDim++;
      }
    }
    if (advanced.some((a) => a !== null)) {
      while (advanced.length > 0 && advanced[advanced.length - 1] === null) advanced.pop();
      step(wrap(op.index(cur.id, advanced.map((a) => (a ? a.id : null)))));
    }
  } catch (err) {
    if (cur !== x) cur.dispose();
    for (const t of owned) t.dispose();
    throw err;
  }
  for (const t of owned) t.dispose();
  return cur === x ? x.view(x.shape) : cur;
}
