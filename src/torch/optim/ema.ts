// Exponential moving average of weights (Polyak averaging; the "EMA model" of diffusion training, cf. diffusers
// EMAModel): after each optimizer step, shadow ← d·shadow + (1 − d)·θ. With `warmup`, the decay starts low and
// rises as d = min(decay, (1 + n)/(10 + n)) for the n-th update (TensorFlow's ExponentialMovingAverage with
// num_updates; diffusers' default), so early shadows are not dominated by the random initialisation.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import { keep, scope } from '../memory.js';
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';

/** A module, or named parameters such as `module.namedParameters()`. */
export type NamedParams = Module | Iterable<[string, Tensor]>;

export interface EMAState {
  /** Shadow weights by parameter name: loadable straight into the module with loadStateDict. */
  tensors: Map<string, Tensor>;
  scalars: { decay: number; warmup: boolean; numUpdates: number };
}

function named(source: NamedParams): Map<string, Tensor> {
  return new Map(source instanceof Module ? source.namedParameters() : source);
}

export class EMA {
  readonly #params: Map<string, Tensor>;
  readonly #shadow = new Map<string, Tensor>();
  #decay: number;
  #warmup: boolean;
  #numUpdates = 0;

  constructor(source: NamedParams, decay: number, opts: { warmup?: boolean } = {}) {
    if (!(decay >= 0 && decay <= 1)) throw new TorchError(`decay must be in [0, 1], got ${decay}`, 'EMA');
    this.#decay = decay;
    this.#warmup = opts.warmup ?? false;
    this.#params = named(source);
    noGrad(() => {
      for (const [name, p] of this.#params) this.#shadow.set(name, keep(p.clone()));
    });
  }

  get numUpdates(): number {
    return this.#numUpdates;
  }

  /** The decay the next update() will use. */
  currentDecay(): number {
    const n = this.#numUpdates;
    return this.#warmup ? Math.min(this.#decay, (1 + n) / (10 + n)) : this.#decay;
  }

  /** shadow ← d·shadow + (1 − d)·θ for every tracked parameter (call after optimizer.step()). */
  update(): void {
    const d = this.currentDecay();
    noGrad(() => {
      for (const [name, s] of this.#shadow) s.lerp_(this.#params.get(name)!, 1 - d);
    });
    this.#numUpdates += 1;
  }

  /** Shadow tensors (kept; owned by the EMA). Read-only by convention. */
  shadow(name: string): Tensor | undefined {
    return this.#shadow.get(name);
  }

  /** Writes the shadow weights into `target`'s parameters of the same names (e.g. an eval copy of the model). */
  copyTo(target: NamedParams): void {
    const dst = named(target);
    const missing = [...this.#shadow.keys()].filter((k) => !dst.has(k));
    if (missing.length > 0) {
      throw new TorchError(
        `target must have every averaged parameter, got none for [${missing.join(', ')}]`,
        'EMA.copyTo',
      );
    }
    for (const [name, s] of this.#shadow) checkShape(name, dst.get(name)!, s, 'EMA.copyTo');
    noGrad(() => {
      for (const [name, s] of this.#shadow) dst.get(name)!.copy_(s);
    });
  }

  /** Detached views of the shadows (dispose them, or call inside a scope) and the scalars to resume with. */
  stateDict(): EMAState {
    const tensors = new Map([...this.#shadow].map(([n, s]) => [n, s.detach()]));
    return { tensors, scalars: { decay: this.#decay, warmup: this.#warmup, numUpdates: this.#numUpdates } };
  }

  loadStateDict(state: EMAState): void {
    const where = 'EMA.loadStateDict';
    const want = [...this.#shadow.keys()].sort().join(', ');
    const got = [...state.tensors.keys()].sort().join(', ');
    if (want !== got) throw new TorchError(`tensor names must be [${want}], got [${got}]`, where);
    for (const [name, t] of state.tensors) checkShape(name, this.#shadow.get(name)!, t, where);
    scope(() =>
      noGrad(() => {
        for (const [name, t] of state.tensors) this.#shadow.get(name)!.copy_(t);
      }),
    );
    this.#decay = state.scalars.decay;
    this.#warmup = state.scalars.warmup;
    this.#numUpdates = state.scalars.numUpdates;
  }

  dispose(): void {
    for (const s of this.#shadow.values()) s.dispose();
    this.#shadow.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function checkShape(name: string, a: Tensor, b: Tensor, where: string): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new TorchError(`"${name}" must have shape [${a.shape.join(', ')}], got [${b.shape.join(', ')}]`, where);
  }
}
