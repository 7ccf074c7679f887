// Loads test/fixtures/nn_ref.json (written by test/fixtures/make_nn_ref.py from Python PyTorch 1.13).
import { readFileSync } from 'node:fs';
import { fromTypedArray, type Tensor } from '../../src/torch/index.js';

export interface TensorJson {
  shape: number[];
  data: number[];
}

export type StateJson = Record<string, TensorJson>;

export interface LayerCase {
  state: StateJson;
  inputs: TensorJson[];
  output: TensorJson;
  /** Key padding mask (true = padding), for cross-attention cases. */
  mask?: boolean[][];
  /** Embedding's int64 indices (its `inputs` is absent). */
  indices?: number[];
  indexShape?: number[];
}

export interface OptimRun {
  optimizer: 'AdamW' | 'Adam' | 'SGD';
  groups: Record<string, number | boolean | number[]>[];
  trace: { w: TensorJson; b: TensorJson }[];
}

export interface NnRef {
  layers: Record<string, LayerCase>;
  /** Seeded default initialisations by layer, and `init`: tensors from the nn.init functions. */
  init: Record<string, StateJson>;
  optim: { problem: Record<'w' | 'b' | 'x' | 'y', TensorJson>; steps: number; runs: Record<string, OptimRun> };
  clip: {
    grads: TensorJson[];
    runs: { normType: number | 'inf'; maxNorm: number; total: number; clipped: TensorJson[] }[];
  };
}

let cached: NnRef | undefined;

export function nnRef(): NnRef {
  // dist/test/torch/ → repo root: the JSON is read from the source tree, not copied into dist.
  cached ??= JSON.parse(readFileSync(new URL('../../../test/fixtures/nn_ref.json', import.meta.url), 'utf8')) as NnRef;
  return cached;
}

export function fromJson(t: TensorJson): Tensor {
  return fromTypedArray(Float32Array.from(t.data), t.shape);
}

export function stateFromJson(s: StateJson): Map<string, Tensor> {
  return new Map(Object.entries(s).map(([k, v]) => [k, fromJson(v)]));
}
