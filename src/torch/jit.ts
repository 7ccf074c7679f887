// TorchScript modules (torch.jit.load): run a model traced or scripted in Python — a frozen reward model, say —
// from TypeScript. The module is loaded in eval() mode by the binding (native/refract.cc JitLoad). Autograd is
// left to the caller: wrap calls in noGrad() for plain scoring, or keep the graph to differentiate a reward
// w.r.t. its input images.
import { existsSync, statSync } from 'node:fs';
import { native, TorchError } from './native.js';
import { Tensor, wrap } from './tensor.js';

/** What a TorchScript method returns: a tensor, or (nested) tuples/lists of tensors. */
export type ScriptOutput = Tensor | ScriptOutput[];

/** A TorchScript method's signature (`self` excluded); types as TorchScript prints them ("Tensor", "int"). */
export interface MethodSchema {
  readonly arguments: readonly { readonly name: string; readonly type: string }[];
  readonly returns: readonly string[];
}

/**
 * Turns the graph executor's optimisations (fusion, shape specialisation) on or off process-wide and returns the
 * previous setting. Off, TorchScript methods run op by op like eager PyTorch, so the same inputs give bit-identical
 * outputs on every call — what exact trajectory replay needs (the profiling executor otherwise switches to an
 * optimised graph after its first runs, changing the last bits).
 */
export function setJitOptimize(enabled: boolean): boolean {
  return native.jitSetOptimize(enabled);
}

const registry = new FinalizationRegistry<number>((id) => {
  native.jitFree(id);
});

export class ScriptModule {
  #id: number;
  readonly path: string;

  private constructor(id: number, file: string) {
    this.#id = id;
    this.path = file;
    registry.register(this, id, this);
  }

  /** Loads a file written by torch.jit.save (after torch.jit.trace or torch.jit.script). */
  static load(file: string): ScriptModule {
    const where = 'ScriptModule.load';
    if (!existsSync(file)) {
      throw new TorchError(`file must exist, got nothing at ${file} — check the path`, where);
    }
    if (!statSync(file).isFile()) {
      throw new TorchError(`path must be a file, got a folder at ${file} — point at the .pt file`, where);
    }
    try {
      return new ScriptModule(native.jitLoad(file), file);
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      throw new TorchError(
        `${file} must be a TorchScript archive (torch.jit.save of a traced or scripted module), got one libtorch ` +
          `cannot load (${reason}) — re-export it with torch.jit.trace/script + torch.jit.save; torch.save files ` +
          'and state dicts are not TorchScript',
        where,
      );
    }
  }

  get disposed(): boolean {
    return this.#id < 0;
  }

  get id(): number {
    if (this.#id < 0) {
      throw new TorchError(`module must be live, got ${this.path} after dispose() — load it again`, 'ScriptModule');
    }
    return this.#id;
  }

  /** Runs `forward`. The caller owns (and disposes) the returned tensors. */
  forward(...inputs: Tensor[]): ScriptOutput {
    return this.call('forward', inputs);
  }

  /** Runs `forward` on a module that returns one tensor (a reward model's scores, say). */
  forwardTensor(...inputs: Tensor[]): Tensor {
    const out = this.forward(...inputs);
    if (out instanceof Tensor) return out;
    disposeOutput(out);
    throw new TorchError(
      `output of ${this.path} must be one tensor, got a list of ${out.length} — use forward() for tuple outputs`,
      'ScriptModule.forwardTensor',
    );
  }

  /** Runs any method (forward or one marked @torch.jit.export) on tensor inputs. */
  call(method: string, inputs: Tensor[]): ScriptOutput {
    const ids = inputs.map((t) => t.id);
    const before = native.stats().liveTensors;
    const raw = native.jitCall(this.id, method, ids);
    // The binding returns tensors as bare handle numbers, as it does ints; the count of new native tensors tells
    // whether every integer in the result is a handle (see convert()).
    const created = native.stats().liveTensors - before;
    return convert(raw, created, `${this.path}.${method}`);
  }

  /** The module's parameters by qualified name. They share storage with the module: in-place edits change it. */
  namedParameters(): Map<string, Tensor> {
    const raw = native.jitParameters(this.id);
    return new Map(Object.entries(raw).map(([name, id]) => [name, wrap(id)]));
  }

  /** The module's buffers (state_dict entries that are not parameters) by qualified name, sharing storage. */
  namedBuffers(): Map<string, Tensor> {
    const raw = native.jitBuffers(this.id);
    return new Map(Object.entries(raw).map(([name, id]) => [name, wrap(id)]));
  }

  /** Module.train(mode) on the module and its submodules; loaded modules start in eval mode. */
  train(mode = true): this {
    native.jitTrain(this.id, mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  get training(): boolean {
    return native.jitIsTraining(this.id);
  }

  /** copy.deepcopy: a new module with its own copy of every tensor (a frozen reference, say). */
  clone(): ScriptModule {
    return new ScriptModule(native.jitClone(this.id), this.path);
  }

  /** torch.jit.save: the code and the current tensor values, loadable in Python with torch.jit.load. */
  save(file: string): void {
    native.jitSave(this.id, file);
  }

  /** A method's signature without `self`: argument names and TorchScript types, and the return types. */
  schema(method = 'forward'): MethodSchema {
    return native.jitSchema(this.id, method);
  }

  dispose(): void {
    if (this.#id < 0) return;
    registry.unregister(this);
    native.jitFree(this.#id);
    this.#id = -1;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * Turns the binding's result into tensors. Every tensor the method returned became exactly one new native handle,
 * so if the integers in the result outnumber the new handles, some are plain ints (a method returning `int`), which
 * cannot be told apart from handles; we refuse rather than wrap a number as someone else's tensor.
 */
function convert(raw: unknown, created: number, where: string): ScriptOutput {
  const leaves: unknown[] = [];
  let shapeOk = true;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      shapeOk = false; // a dict: its values may hold handles, which we still collect to free them
      Object.values(v).forEach(walk);
    } else leaves.push(v);
  };
  walk(raw);
  const isHandle = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  const handles = leaves.filter(isHandle);
  const fail = (got: string): never => {
    throw new TorchError(
      `output must be a tensor or nested tuples/lists of tensors, got ${got} — return only tensors from the ` +
        'TorchScript method (wrap numbers with torch.tensor)',
      where,
    );
  };
  // Which numbers are handles is unknowable here, so the tensors among them cannot be freed until the binding tags
  // tensor results; refusing still beats adopting a number as a tensor.
  if (handles.length !== created) return fail('a result holding non-tensor integers');
  const tensors = handles.map((id) => wrap(id));
  const odd = leaves.find((v) => !isHandle(v));
  if (!shapeOk || odd !== undefined) {
    for (const t of tensors) t.dispose();
    return fail(shapeOk ? `a non-tensor value ${JSON.stringify(odd) ?? String(odd)}` : 'a dict');
  }
  let next = 0;
  const rebuild = (v: unknown): ScriptOutput => (Array.isArray(v) ? v.map(rebuild) : tensors[next++]!);
  return rebuild(raw);
}

function disposeOutput(out: ScriptOutput): void {
  if (out instanceof Tensor) out.dispose();
  else out.forEach(disposeOutput);
}
