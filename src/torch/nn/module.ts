// Module: the bookkeeping half of torch.nn.Module — named parameters, buffers and submodules, train/eval, state
// dicts. Forward passes are plain typed methods on each subclass (no __call__ magic).
//
// Registration is explicit, never discovered from fields: a layer calls `this.registerParameter('weight', t)`,
// `this.registerBuffer(...)` or `this.registerModule('down', m)`, each of which returns its argument so a typed
// field can hold it (`this.weight = this.registerParameter('weight', w)`). Names are joined with dots, in
// registration order, as PyTorch does: `down.0.conv.weight`. Explicit registration keeps helper fields (cached
// shapes, generators) out of state dicts without any naming conventions.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import { keep } from '../memory.js';
import { noGrad } from '../autograd.js';
import { parameter } from './parameter.js';

/** A state dict: dotted names → tensors (torch.nn.Module.state_dict). */
export type StateDict = Map<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

interface Buffer {
  tensor: Tensor;
  persistent: boolean;
}

export abstract class Module {
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Buffer>();
  readonly #children = new Map<string, Module>();
  #training = true;

  /** The name used in error messages: the class name. */
  protected get where(): string {
    return this.constructor.name;
  }

  // ---------- registration ----------

  /** Registers `t` as a trainable parameter (a kept leaf with requiresGrad) and returns it. */
  registerParameter(name: string, t: Tensor, requiresGrad = true): Tensor {
    this.#checkName(name, 'registerParameter');
    const p = parameter(t, requiresGrad);
    this.#params.set(name, p);
    return p;
  }

  /**
   * Registers state that is not trained (running statistics, fixed tables). Persistent buffers go into the state
   * dict; non-persistent ones (derivable caches) do not, as in PyTorch.
   */
  registerBuffer(name: string, t: Tensor, opts: { persistent?: boolean } = {}): Tensor {
    this.#checkName(name, 'registerBuffer');
    this.#buffers.set(name, { tensor: keep(t), persistent: opts.persistent ?? true });
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    this.#checkName(name, 'registerModule');
    if (m === (this as Module))
      throw new TorchError(`module "${name}" must not be the module itself`, `${this.where}.registerModule`);
    this.#children.set(name, m);
    return m;
  }

  /**
   * Removes the submodule `name` and returns it (PyTorch's `del module.name`). Its tensors stay live: they now
   * belong to the caller. Used to unload adapters (nn/lora.ts) once they are merged into the weights.
   */
  unregisterModule(name: string): Module {
    const m = this.#children.get(name);
    if (m === undefined) {
      throw new TorchError(
        `name must be a registered submodule, got "${name}" — submodules: [${[...this.#children.keys()].join(', ')}]`,
        `${this.where}.unregisterModule`,
      );
    }
    this.#children.delete(name);
    return m;
  }

  #checkName(name: string, fn: string): void {
    if (name === '' || name.includes('.')) {
      throw new TorchError(
        `name must be non-empty and free of dots, got "${name}" — dots join nested names`,
        `${this.where}.${fn}`,
      );
    }
    if (this.#params.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new TorchError(
        `name must be unique within the module, got "${name}" twice — pick another name`,
        `${this.where}.${fn}`,
      );
    }
  }

  // ---------- traversal ----------

  /** Direct submodules, in registration order. */
  children(): Module[] {
    return [...this.#children.values()];
  }

  namedChildren(): [string, Module][] {
    return [...this.#children.entries()];
  }

  /** This module (named `prefix`, '' by default) and every descendant, pre-order, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, c] of m.#children) visit(c, join(name, n));
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names; a parameter shared by two modules is listed once, under its first name. */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this.#collect(opts, (m) => m.#params.entries());
  }

  parameters(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }

  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this.#collect(opts, function* (m) {
      for (const [n, b] of m.#buffers) yield [n, b.tensor];
    });
  }

  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  #collect(
    opts: { prefix?: string; recurse?: boolean },
    own: (m: Module) => Iterable<[string, Tensor]>,
  ): [string, Tensor][] {
    const prefix = opts.prefix ?? '';
    const mods: [string, Module][] = (opts.recurse ?? true) ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [mn, m] of mods) {
      for (const [n, t] of own(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([join(mn, n), t]);
      }
    }
    return out;
  }

  /** Calls `fn` on every submodule (children first) and then on this module, as Module.apply. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.#children.values()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---------- modes and gradients ----------

  get training(): boolean {
    return this.#training;
  }

  /** Sets training mode here and in every descendant (Dropout and friends read `training`). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.#training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter: `requiresGrad_(false)` freezes the module. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Drops every parameter's gradient (PyTorch ≥ 2.0's set_to_none=True default). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Element counts: all parameters, and those with requiresGrad. */
  numParameters(): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const p of this.parameters()) {
      const n = p.numel();
      total += n;
      if (p.requiresGrad) trainable += n;
    }
    return { total, trainable };
  }

  // ---------- state dicts ----------

  /**
   * Parameters and persistent buffers by dotted name. Values are detached views sharing storage with the module
   * (as PyTorch's state_dict), so later training shows through them; pass `{ clone: true }` for a snapshot.
   * Either way the returned handles belong to the caller: dispose them, or call this inside a scope().
   */
  stateDict(opts: { clone?: boolean } = {}): StateDict {
    const out: StateDict = new Map();
    for (const [mn, m] of this.namedModules()) {
      for (const [n, p] of m.#params) out.set(join(mn, n), snapshot(p, opts.clone));
      for (const [n, b] of m.#buffers) if (b.persistent) out.set(join(mn, n), snapshot(b.tensor, opts.clone));
    }
    return out;
  }

  /**
   * Copies values from `sd` into this module's tensors in place (under noGrad), so references held elsewhere
   * (optimizers, EMA) stay valid. Everything is checked before anything is copied. With `strict` (the default)
   * missing and unexpected keys are an error; shapes and dtypes must always match.
   */
  loadStateDict(sd: StateDict | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const where = `${this.where}.loadStateDict`;
    const given = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const targets = this.#stateTargets();
    const missingKeys = [...targets.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !targets.has(k));
    if ((opts.strict ?? true) && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      throw new TorchError(
        `state dict keys must match the module's, got ${missingKeys.length} missing [${missingKeys.join(', ')}] and ` +
          `${unexpectedKeys.length} unexpected [${unexpectedKeys.join(', ')}] — rename the keys, or pass ` +
          '{ strict: false } to load a subset',
        where,
      );
    }
    const pairs: [Tensor, Tensor][] = [];
    for (const [key, target] of targets) {
      const src = given.get(key);
      if (src === undefined) continue;
      checkCompatible(key, target, src, where);
      pairs.push([target, src]);
    }
    noGrad(() => {
      for (const [target, src] of pairs) target.copy_(src);
    });
    return { missingKeys, unexpectedKeys };
  }

  /** The tensors a state dict names (no views made). */
  #stateTargets(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [mn, m] of this.namedModules()) {
      for (const [n, p] of m.#params) out.set(join(mn, n), p);
      for (const [n, b] of m.#buffers) if (b.persistent) out.set(join(mn, n), b.tensor);
    }
    return out;
  }

  // ---------- lifetime ----------

  /** Frees every parameter and buffer of this module and its descendants. The module is unusable afterwards. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const p of m.#params.values()) p.dispose();
      for (const b of m.#buffers.values()) b.tensor.dispose();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** A module whose forward maps one tensor to one tensor: what Sequential chains. */
export interface UnaryModule extends Module {
  forward(x: Tensor): Tensor;
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function snapshot(t: Tensor, clone = false): Tensor {
  // Under noGrad a clone records no history, so it is already detached.
  return noGrad(() => (clone ? t.clone() : t.detach()));
}

function checkCompatible(key: string, target: Tensor, src: Tensor, where: string): void {
  const ts = target.shape;
  const ss = src.shape;
  if (ts.length !== ss.length || ts.some((d, i) => d !== ss[i])) {
    throw new TorchError(
      `"${key}" must have shape [${ts.join(', ')}], got [${ss.join(', ')}] — the checkpoint comes from a ` +
        'differently configured module',
      where,
    );
  }
  if (target.dtype !== src.dtype) {
    throw new TorchError(
      `"${key}" must have dtype ${target.dtype}, got ${src.dtype} — convert it with .to('${target.dtype}') first`,
      where,
    );
  }
}
