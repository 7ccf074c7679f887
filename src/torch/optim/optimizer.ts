// Optimizer: torch.optim.Optimizer's bookkeeping — parameter groups with their own hyperparameters, per-parameter
// state created lazily on the first step, and a state dict that resumes training exactly. Subclasses supply one
// in-place update per parameter, written to follow PyTorch's single-tensor (for-loop) implementation.
import { TorchError } from '../native.js';
import { Tensor } from '../tensor.js';
import { keep, scope } from '../memory.js';
import { noGrad } from '../autograd.js';

/** Hyperparameters every group has. */
export interface GroupHyper {
  lr: number;
  weightDecay: number;
}

export type ParamGroup<H extends GroupHyper> = H & { params: Tensor[] };

/** A group as given by the caller: any hyperparameter left out takes the optimizer's default. */
export type ParamGroupInput<H extends GroupHyper> = Partial<H> & { params: Iterable<Tensor> };

/** Either a flat list of parameters (one group) or several groups. */
export type ParamsInput<H extends GroupHyper> = Iterable<Tensor> | ParamGroupInput<H>[];

/** One parameter's optimizer state: its update count and named buffers (moments, momentum). */
export interface ParamState {
  step: number;
  buffers: Map<string, Tensor>;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The serialisable optimizer state: tensors by flat name (`state.<paramIndex>.<buffer>`, paramIndex counting
 * through the groups in order, as PyTorch's state_dict does) — ready for safetensors — plus JSON-able scalars:
 * each group's hyperparameters with its parameter indices, and each parameter's step count.
 */
export interface OptimizerStateDict {
  tensors: Map<string, Tensor>;
  scalars: { groups: { [key: string]: JsonValue; params: number[] }[]; steps: Record<string, number> };
}

/** Gets a state buffer, creating it with `make` (and keeping it past the step's scope) on first use. */
export function stateBuffer(state: ParamState, name: string, make: () => Tensor): Tensor {
  let t = state.buffers.get(name);
  if (t === undefined) {
    t = keep(make());
    state.buffers.set(name, t);
  }
  return t;
}

export abstract class Optimizer<H extends GroupHyper> {
  readonly paramGroups: ParamGroup<H>[] = [];
  readonly defaults: Readonly<H>;
  readonly #state = new Map<Tensor, ParamState>();

  protected constructor(params: ParamsInput<H>, defaults: H) {
    this.defaults = Object.freeze({ ...defaults });
    const list = [...params];
    if (list.length === 0)
      throw new TorchError('params must be a non-empty list, got none — pass model.parameters()', this.where);
    if (list[0] instanceof Tensor) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<H>);
    else for (const g of list as ParamGroupInput<H>[]) this.addParamGroup(g);
  }

  protected get where(): string {
    return this.constructor.name;
  }

  /** Checks one group's hyperparameters; throws a TorchError naming the bad one. */
  protected abstract validate(h: H): void;

  /** Updates `param` in place from `grad` (called under noGrad inside a scope; state buffers must be kept). */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<H>, state: ParamState): void;

  addParamGroup(group: ParamGroupInput<H>): void {
    for (const k of Object.keys(group)) {
      if (k !== 'params' && !(k in this.defaults)) {
        throw new TorchError(
          `group option must be one of ${Object.keys(this.defaults).join(', ')}, got "${k}"`,
          this.where,
        );
      }
    }
    const params = [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TorchError(`params must be Tensors, got ${typeof p}`, this.where);
      if (!p.isLeaf)
        throw new TorchError(
          'params must be leaf tensors, got a computed tensor — optimise parameters, not activations',
          this.where,
        );
      if (seen.has(p))
        throw new TorchError(
          'params must appear in one group only, got a parameter twice — remove the duplicate',
          this.where,
        );
      seen.add(p);
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<H>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /** One optimisation step over every parameter that has a gradient. */
  step(): void {
    scope(() =>
      noGrad(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            this.update(p, g, group, this.#stateOf(p));
          }
        }
      }),
    );
  }

  /** Drops every parameter's gradient (set_to_none, PyTorch ≥ 2.0's default). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** The state of `p`, or undefined before its first step. */
  stateOf(p: Tensor): Readonly<ParamState> | undefined {
    return this.#state.get(p);
  }

  #stateOf(p: Tensor): ParamState {
    let s = this.#state.get(p);
    if (s === undefined) {
      s = { step: 0, buffers: new Map() };
      this.#state.set(p, s);
    }
    return s;
  }

  #indexed(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /**
   * The state to checkpoint. Tensors are detached views sharing storage with the live state (as PyTorch's):
   * write them out before the next step, and dispose them (or call this inside a scope) when done.
   */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, Tensor>();
    const steps: Record<string, number> = {};
    let i = 0;
    const groups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      const indices = params.map(() => i++);
      // A JSON round trip copies (betas arrays are not shared with the live group) and proves serialisability.
      return { ...(JSON.parse(JSON.stringify(hyper)) as Record<string, JsonValue>), params: indices };
    });
    this.#indexed().forEach((p, idx) => {
      const s = this.#state.get(p);
      if (s === undefined) return;
      steps[String(idx)] = s.step;
      for (const [name, t] of s.buffers) tensors.set(`state.${idx}.${name}`, t.detach());
    });
    return { tensors, scalars: { groups, steps } };
  }

  /**
   * Restores hyperparameters and state saved by stateDict() into an optimizer over the same parameters (same
   * groups, same order). Tensors are copied, so the caller keeps ownership of `sd`.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.where}.loadStateDict`;
    const hypers = this.#savedHypers(sd, where);
    const fresh = this.#savedState(sd, where);
    // Everything checked: now replace hyperparameters and state.
    this.paramGroups.forEach((g, gi) => Object.assign(g, hypers[gi]));
    this.#disposeState();
    for (const [p, s] of fresh) {
      const copy = (t: Tensor): Tensor => keep(scope(() => noGrad(() => t.to(p.dtype).clone())));
      this.#state.set(p, { step: s.step, buffers: new Map([...s.buffers].map(([n, t]) => [n, copy(t)])) });
    }
  }

  /** The saved groups' hyperparameters, checked against this optimizer's groups and options. */
  #savedHypers(sd: OptimizerStateDict, where: string): Partial<H>[] {
    const saved = sd.scalars.groups;
    const sizes = this.paramGroups.map((g) => g.params.length);
    const savedSizes = saved.map((g) => g.params.length);
    if (sizes.join() !== savedSizes.join()) {
      throw new TorchError(
        `group sizes must match the optimizer's [${sizes.join(', ')}], got [${savedSizes.join(', ')}] — build the ` +
          'optimizer over the same parameter groups before loading',
        where,
      );
    }
    return saved.map((g, gi) => {
      const h = structuredClone(Object.fromEntries(Object.entries(g).filter(([k]) => k !== 'params')));
      const unknown = Object.keys(h).filter((k) => !(k in this.defaults));
      if (unknown.length > 0) {
        const known = Object.keys(this.defaults).join(', ');
        throw new TorchError(`saved group options must be among ${known}, got "${unknown.join('", "')}"`, where);
      }
      this.validate({ ...this.paramGroups[gi]!, ...h });
      return h as Partial<H>;
    });
  }

  /** The saved per-parameter state (tensors not yet copied), checked against the parameters' shapes. */
  #savedState(sd: OptimizerStateDict, where: string): Map<Tensor, ParamState> {
    const params = this.#indexed();
    const fresh = new Map<Tensor, ParamState>();
    const stateAt = (idx: number, key: string): [Tensor, ParamState] => {
      const p = params[idx];
      if (p === undefined) {
        throw new TorchError(`"${key}" must name a parameter index below ${params.length}, got ${idx}`, where);
      }
      let s = fresh.get(p);
      if (s === undefined) fresh.set(p, (s = { step: 0, buffers: new Map() }));
      return [p, s];
    };
    for (const [idx, step] of Object.entries(sd.scalars.steps)) stateAt(Number(idx), `steps.${idx}`)[1].step = step;
    for (const [key, t] of sd.tensors) {
      const m = /^state\.(\d+)\.(\w+)$/.exec(key);
      if (m === null) throw new TorchError(`tensor keys must read state.<index>.<buffer>, got "${key}"`, where);
      const [p, s] = stateAt(Number(m[1]), key);
      if (p.shape.join() !== t.shape.join()) {
        throw new TorchError(`"${key}" must have shape [${p.shape.join(', ')}], got [${t.shape.join(', ')}]`, where);
      }
      s.buffers.set(m[2]!, t);
    }
    return fresh;
  }

  #disposeState(): void {
    for (const s of this.#state.values()) for (const t of s.buffers.values()) t.dispose();
    this.#state.clear();
  }

  /** Frees all optimizer state (the parameters belong to their module and are left alone). */
  dispose(): void {
    this.#disposeState();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
