// Containers: Sequential (chains unary modules) and ModuleList (holds modules for a hand-written forward). Both
// name their children '0', '1', ... so parameter names read `blocks.3.attn1.query.weight`, as in PyTorch.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import { scope } from '../memory.js';
import { Module, type UnaryModule } from './module.js';

export class Sequential extends Module {
  readonly #layers: UnaryModule[] = [];

  constructor(...layers: UnaryModule[]) {
    super();
    for (const l of layers) this.push(l);
  }

  push(layer: UnaryModule): this {
    this.registerModule(String(this.#layers.length), layer);
    this.#layers.push(layer);
    return this;
  }

  get length(): number {
    return this.#layers.length;
  }

  at(i: number): UnaryModule {
    const l = this.#layers.at(i);
    if (l === undefined)
      throw new TorchError(`index must be within [-${this.length}, ${this.length}), got ${i}`, 'Sequential.at');
    return l;
  }

  [Symbol.iterator](): Iterator<UnaryModule> {
    return this.#layers[Symbol.iterator]();
  }

  /** Applies each layer in turn; intermediate activations are freed (autograd keeps what backward needs). */
  forward(x: Tensor): Tensor {
    return scope(() => {
      let h = x;
      for (const l of this.#layers) h = l.forward(h);
      return h === x ? x.view(x.shape) : h;
    });
  }
}

/** An indexable list of submodules, registered so their parameters are found and named. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  push(m: M): this {
    this.registerModule(String(this.#items.length), m);
    this.#items.push(m);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  at(i: number): M {
    const m = this.#items.at(i);
    if (m === undefined)
      throw new TorchError(`index must be within [-${this.length}, ${this.length}), got ${i}`, 'ModuleList.at');
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }
}
