// Output adapters: a term a layer adds to its own output, y = f(x) + Δ(x). This is how nn/lora.ts adapts Linear
// and Conv layers in place — the layer keeps its weights, its name and its place in its parent's forward and only
// gains a term. (peft swaps the module for a wrapper with setattr; Refract's forwards call typed fields, so the
// layer itself carries the slot.) The adapter is registered as a child of the layer, so its parameters are found,
// saved and freed with the model like any other.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import { scope } from '../memory.js';
import type { Module } from './module.js';

/** A module whose Δ(x) a layer adds to its output. */
export interface OutputAdapter extends Module {
  /** Δ(x), shaped like the layer's output; null while the adapter is switched off. */
  delta(x: Tensor): Tensor | null;
}

/** The adapter slot of one layer (Linear, Conv1d/2d/3d): at most one adapter, registered under a child name. */
export class AdapterSlot {
  #adapter: OutputAdapter | null = null;
  #name = '';

  constructor(private readonly owner: Module) {}

  /** The attached adapter, or null. */
  get current(): OutputAdapter | null {
    return this.#adapter;
  }

  /** Registers `adapter` as the owner's child `name` and adds its Δ(x) to every later output. */
  attach(name: string, adapter: OutputAdapter): void {
    if (this.#adapter !== null) {
      throw new TorchError(
        `layer must have no adapter yet, got "${this.#name}" attached — merge or detach it first`,
        `${this.owner.constructor.name}.adapter.attach`,
      );
    }
    this.owner.registerModule(name, adapter);
    this.#adapter = adapter;
    this.#name = name;
  }

  /** Unregisters the adapter and returns it (its tensors now belong to the caller). */
  detach(): OutputAdapter {
    const a = this.#adapter;
    if (a === null) {
      throw new TorchError('layer must have an adapter to detach, got none', `${this.owner.constructor.name}.adapter.detach`);
    }
    this.owner.unregisterModule(this.#name);
    this.#adapter = null;
    return a;
  }

  /** base() + Δ(x); exactly base() when no adapter is attached or it is off. */
  forward(x: Tensor, base: () => Tensor): Tensor {
    const adapter = this.#adapter;
    if (adapter === null) return base();
    return scope(() => {
      const y = base();
      const d = adapter.delta(x);
      return d === null ? y : y.add(d);
    });
  }
}
