// Gradient checking by central finite differences in float64 (cf. torch.autograd.gradcheck, and tinygrad's
// test/test_ops.py which compares gradients the same way). For a fixed random R shaped like each output, the
// scalar L(x) = Σ sum(fn(x)·R) is differentiated two ways: autograd's ∂L/∂x, and (L(x+εeⱼ) − L(x−εeⱼ)) / 2ε per
// element j. Unlike torch's gradcheck we check one random vector-Jacobian product rather than the full Jacobian:
// enough to catch a wrong backward formula, and it keeps the table of ~150 ops under a few seconds.
import assert from 'node:assert/strict';
import {
  Generator,
  fromTypedArray,
  grad,
  noGrad,
  rand,
  randn,
  randperm,
  scope,
  type Tensor,
} from '../src/torch/index.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random output weights R. */
  seed?: number;
}

/** What an op under test may return: one tensor or several (split, chunk, ...). */
export type GradcheckOutput = Tensor | Tensor[];

function outputs(r: GradcheckOutput): Tensor[] {
  return Array.isArray(r) ? r : [r];
}

/** L = Σᵢ ⟨outᵢ, Rᵢ⟩ computed in JS doubles, for the finite-difference side. */
function weightedSum(outs: Tensor[], weights: number[][]): number {
  let total = 0;
  outs.forEach((o, i) => {
    const v = o.toArray();
    const w = weights[i]!;
    for (let j = 0; j < v.length; j++) total += v[j]! * w[j]!;
  });
  return total;
}

/**
 * Asserts autograd's gradient of Σ sum(fn(...inputs)·R) matches central differences, for every input that
 * requires grad (those must be float64 leaves); the other inputs (indices, masks) are passed through as constants.
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => GradcheckOutput,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): void {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-4, seed = 1234 } = opts;
  const checked = inputs.flatMap((x, i) => (x.requiresGrad ? [i] : []));
  assert.ok(checked.length > 0, 'gradcheck: no input requires grad');
  for (const i of checked) assert.equal(inputs[i]!.dtype, 'float64', `gradcheck: input ${i} must be float64`);
  scope(() => {
    using gen = new Generator(seed);
    // 1. Analytic: autograd of L = Σ sum(outᵢ · Rᵢ).
    const outs = outputs(fn(...inputs));
    for (const [i, o] of outs.entries()) assert.equal(o.dtype, 'float64', `gradcheck: output ${i} must be float64`);
    const R = outs.map((o) => randn(o.shape, { dtype: 'float64', generator: gen }));
    const loss = outs.map((o, i) => o.mul(R[i]!).sum()).reduce((a, b) => a.add(b));
    const analytic = grad(
      [loss],
      checked.map((i) => inputs[i]!),
      { allowUnused: true },
    );
    const weights = R.map((r) => r.toArray());
    // 2. Numeric: central differences, one element at a time.
    // L with input `inputIndex` replaced by `data` (built inside the scope, so each evaluation frees its tensors).
    const lossAt = (inputIndex: number, data: Float64Array, shape: number[]): number =>
      noGrad(() =>
        scope(() => {
          const xs = inputs.slice();
          xs[inputIndex] = fromTypedArray(data, shape);
          return weightedSum(outputs(fn(...xs)), weights);
        }),
      );
    checked.forEach((inputIndex, k) => {
      const x = inputs[inputIndex]!;
      const data = Float64Array.from(x.toArray());
      const a = analytic[k];
      if (a) assert.deepEqual(a.shape, x.shape, `gradcheck: gradient of input ${inputIndex} has the wrong shape`);
      const aData = a ? a.toArray() : new Array<number>(data.length).fill(0);
      const at = (j: number, value: number): number => {
        const saved = data[j]!;
        data[j] = value;
        const l = lossAt(inputIndex, data, x.shape);
        data[j] = saved;
        return l;
      };
      for (let j = 0; j < data.length; j++) {
        const numeric = (at(j, data[j]! + eps) - at(j, data[j]! - eps)) / (2 * eps);
        const analyticJ = aData[j]!;
        if (!(Math.abs(analyticJ - numeric) <= atol + rtol * Math.abs(numeric))) {
          assert.fail(`gradcheck: ∂L/∂input${inputIndex}[${j}]: autograd ${analyticJ}, finite differences ${numeric}`);
        }
      }
    });
  });
}

/**
 * Seeded float64 inputs for gradient checks. Every tensor is a fresh leaf that requires grad unless asked not to.
 */
export class Inputs {
  readonly #gen: Generator;

  constructor(seed: number) {
    this.#gen = new Generator(seed);
  }

  #leaf(t: Tensor, requiresGrad: boolean): Tensor {
    const leaf = t.detach();
    t.dispose();
    return requiresGrad ? leaf.requiresGrad_(true) : leaf;
  }

  /** Standard normal values times `scale`. */
  randn(shape: number[], scale = 1, requiresGrad = true): Tensor {
    using r = randn(shape, { dtype: 'float64', generator: this.#gen });
    return this.#leaf(r.mul(scale), requiresGrad);
  }

  /** Uniform values in [lo, hi). */
  uniform(shape: number[], lo: number, hi: number, requiresGrad = true): Tensor {
    using r = rand(shape, { dtype: 'float64', generator: this.#gen });
    return this.#leaf(r.mul(hi - lo).add(lo), requiresGrad);
  }

  /** Values of either sign with |v| ≥ 0.2: for ops with a kink at 0 (abs, relu, leakyRelu, norm p=1). */
  awayFromZero(shape: number[]): Tensor {
    return scope(() => {
      const u = rand(shape, { dtype: 'float64', generator: this.#gen });
      const sign = rand(shape, { dtype: 'float64', generator: this.#gen }).lt(0.5).double().mul(2).sub(1);
      return this.#leaf(u.add(0.2).mul(sign), true);
    });
  }

  /**
   * Pairwise distinct values (gaps ≥ 0.1, larger than any finite-difference step): for max/min/sort/topk/pooling,
   * whose gradient is only defined away from ties.
   */
  distinct(shape: number[]): Tensor {
    return scope(() => {
      const n = shape.reduce((a, b) => a * b, 1);
      const perm = randperm(n, { generator: this.#gen }).double();
      const jitter = rand([n], { dtype: 'float64', generator: this.#gen }).mul(0.05);
      return this.#leaf(
        perm
          .mul(0.15)
          .add(jitter)
          .sub(n * 0.075)
          .reshape(shape),
        true,
      );
    });
  }

  /** Integers in [0, high) as int64 (index tensors; never require grad). */
  ints(shape: number[], high: number): Tensor {
    return scope(() => rand(shape, { dtype: 'float64', generator: this.#gen }).mul(high).floor().long());
  }

  dispose(): void {
    this.#gen.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
