// Low-rank adapters (LoRA; Hu et al., arXiv 2106.09685 §4.1, Eq. 3): a frozen weight W₀ [out, in] is adapted as
//   W' = W₀ + (α/r)·B·A,   A [r, in], B [out, r],   h = W₀x + (α/r)·B(Ax)
// with A drawn like PyTorch's Linear weights (kaiming_uniform_(a=√5), the init of microsoft/LoRA loralib and of
// peft's LoraLayer.reset_lora_parameters) and B = 0, so at initialisation the adapted layer computes exactly W₀x.
// Convolutions follow peft's Conv LoRA (peft/tuners/lora/layer.py `Conv2d`): A is a convolution with r output
// channels and the layer's kernel, stride, padding and dilation, B a 1×…×1 convolution back to `out` channels, so
// B∘A is itself a convolution with weight ΔW[o, i, k…] = Σ_j B[o, j]·A[j, i, k…] — what merge() folds into W₀.
// Differs from peft: no dropout on the adapter input, one adapter per layer, and the adapters live inside the
// layers (nn/adapter.ts) rather than in wrapper modules, so the model's own forward passes are unchanged.
//
// Notation: W₀ = layer.weight (frozen), r = rank, α = alpha, A/B = the adapter's parameters `<layer>.lora.A/B`.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { Generator } from '../creation.js';
import { empty, zeros } from '../creation.js';
import { conv1d, conv2d, conv3d, linear } from '../functional.js';
import { noGrad } from '../autograd.js';
import { scope } from '../memory.js';
import { Module, type StateDict } from './module.js';
import { Linear } from './linear.js';
import { Conv1d, Conv2d, Conv3d } from './conv.js';
import { kaimingUniform_ } from './init.js';
import type { OutputAdapter } from './adapter.js';

/** The layers LoRA can adapt. */
export type LoraLayer = Linear | Conv1d | Conv2d | Conv3d;

/** The child name of a layer's adapter: its parameters are `<layer>.lora.A` and `<layer>.lora.B`. */
export const LORA_CHILD = 'lora';

export interface LoraOptions {
  /** r, the rank of B·A. */
  rank: number;
  /** α: the update is scaled by α/r (Hu et al. §4.1), so changing r does not rescale a tuned learning rate. */
  alpha: number;
  /**
   * Which layers to adapt: a layer is adapted when one pattern occurs as consecutive segments of its dotted name
   * (relative to the module passed to applyLora), `*` matching any one segment — 'attn' takes every layer under an
   * `attn` submodule, 'res.conv1' the first conv of every res block. Every pattern must match some layer.
   */
  targets: readonly string[];
  /** Draws A from this generator instead of the global one. */
  generator?: Generator;
}

/** The on/off switch the adapters of one applyLora call share. */
interface AdapterSwitch {
  enabled: boolean;
}

/** One layer's adapter: Δ(x) = (α/r)·B(A(x)). */
export class LoraAdapter extends Module implements OutputAdapter {
  /** [r, in, k…] (Linear: [r, in]). */
  readonly A: Tensor;
  /** [out, r, 1…] (Linear: [out, r]). */
  readonly B: Tensor;
  /** α/r. */
  readonly scale: number;
  readonly #layer: LoraLayer;
  readonly #switch: AdapterSwitch;

  constructor(layer: LoraLayer, rank: number, alpha: number, onOff: AdapterSwitch, generator?: Generator) {
    super();
    const [out, inn, ...kernel] = layer.weight.shape as [number, number, ...number[]];
    const dtype = layer.weight.dtype;
    const a = empty([rank, inn, ...kernel], { dtype });
    kaimingUniform_(a, { a: Math.sqrt(5), generator }); // U(±1/√fan_in), fan_in = in·∏k
    this.A = this.registerParameter('A', a);
    this.B = this.registerParameter('B', zeros([out, rank, ...kernel.map(() => 1)], { dtype })); // B = 0: W' = W₀
    this.scale = alpha / rank;
    this.#layer = layer;
    this.#switch = onOff;
  }

  /** (α/r)·B(A(x)), or null while the adapters are off. */
  delta(x: Tensor): Tensor | null {
    if (!this.#switch.enabled) return null;
    const l = this.#layer;
    return scope(() => {
      if (l instanceof Linear) return linear(linear(x, this.A), this.B).mul(this.scale); // (α/r)·(x·Aᵀ)·Bᵀ
      const conv = l instanceof Conv1d ? conv1d : l instanceof Conv2d ? conv2d : conv3d;
      const down = conv(x, this.A, null, { stride: l.stride, padding: l.padding, dilation: l.dilation }); // A∗x
      return conv(down, this.B, null).mul(this.scale); // (α/r)·B∗(A∗x), B pointwise
    });
  }

  /** ΔW = (α/r)·B·A shaped like the layer's weight: ΔW[o, i, k…] = (α/r)·Σ_j B[o, j]·A[j, i, k…]. */
  deltaWeight(): Tensor {
    const w = this.#layer.weight.shape;
    const r = this.A.shape[0]!;
    const perRank = this.A.numel() / r; // in·∏k
    return scope(() => this.B.reshape([w[0]!, r]).mm(this.A.reshape([r, perRank])).mul(this.scale).reshape(w));
  }
}

interface AdaptedLayer {
  name: string;
  layer: LoraLayer;
  adapter: LoraAdapter;
}

/**
 * The adapters one applyLora call attached: their parameters and state, the on/off switch (off: the module
 * computes its base exactly), and merge() to fold them into the base weights.
 */
export class LoraAdapters {
  readonly #layers: AdaptedLayer[];
  readonly #switch: AdapterSwitch;
  #merged = false;

  constructor(
    readonly rank: number,
    readonly alpha: number,
    layers: AdaptedLayer[],
    onOff: AdapterSwitch,
  ) {
    this.#layers = layers;
    this.#switch = onOff;
  }

  /** Dotted names of the adapted layers (relative to the module given to applyLora), in module order. */
  get layerNames(): string[] {
    return this.#layers.map((l) => l.name);
  }

  /** While false, every adapted layer computes W₀x exactly (the base model). */
  get enabled(): boolean {
    return this.#switch.enabled;
  }

  set enabled(on: boolean) {
    this.#check('enabled');
    this.#switch.enabled = on;
  }

  /**
   * Runs `fn` with the adapters off — the module is then the base, bit for bit — and restores the previous state,
   * also when `fn` throws. `fn` must be synchronous (as every forward pass is): the switch is back on when it returns.
   */
  withAdaptersDisabled<T>(fn: () => T): T {
    this.#check('withAdaptersDisabled');
    const previous = this.#switch.enabled;
    this.#switch.enabled = false;
    try {
      return fn();
    } finally {
      this.#switch.enabled = previous;
    }
  }

  /** A and B of every adapter: the only trainable parameters once applyLora froze the base. */
  parameters(): Tensor[] {
    this.#check('parameters');
    return this.#layers.flatMap((l) => [l.adapter.A, l.adapter.B]);
  }

  /** Adapter elements in all: Σ r·(in·∏k + out) over the adapted layers. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel(), 0);
  }

  /** `<layer>.lora.A` / `.B` → detached views (pass `{ clone: true }` for a snapshot); the caller disposes them. */
  stateDict(opts: { clone?: boolean } = {}): StateDict {
    this.#check('stateDict');
    const out: StateDict = new Map();
    for (const { name, adapter } of this.#layers) {
      for (const [k, t] of adapter.stateDict(opts)) out.set(adapterKey(name, k), t);
    }
    return out;
  }

  /** Copies a stateDict() into the adapters in place (strict: same keys, shapes and dtypes; checked first). */
  loadStateDict(sd: StateDict): void {
    this.#check('loadStateDict');
    const own = new Map<string, Tensor>();
    for (const { name, adapter } of this.#layers) {
      for (const [k, t] of adapter.namedParameters()) own.set(adapterKey(name, k), t);
    }
    const missing = [...own.keys()].filter((k) => !sd.has(k));
    const unexpected = [...sd.keys()].filter((k) => !own.has(k));
    if (missing.length > 0 || unexpected.length > 0) {
      throw new TorchError(
        `adapter keys must match, got ${missing.length} missing [${missing.slice(0, 4).join(', ')}] and ` +
          `${unexpected.length} unexpected [${unexpected.slice(0, 4).join(', ')}] — apply LoRA with the same targets`,
        'LoraAdapters.loadStateDict',
      );
    }
    for (const [k, t] of own) {
      const src = sd.get(k)!;
      if (src.shape.join() !== t.shape.join() || src.dtype !== t.dtype) {
        throw new TorchError(
          `"${k}" must be ${t.dtype} [${t.shape.join(', ')}], got ${src.dtype} [${src.shape.join(', ')}] — apply LoRA with the same rank`,
          'LoraAdapters.loadStateDict',
        );
      }
    }
    noGrad(() => {
      for (const [k, t] of own) t.copy_(sd.get(k)!);
    });
  }

  /**
   * Folds every adapter into its layer, W₀ ← W₀ + (α/r)·B·A, then detaches and frees the adapters (peft's
   * merge_and_unload): the module is a plain model again, computing what the adapted one did (up to rounding), and
   * its state dict has the base's keys — e.g. for export. The handle is spent afterwards.
   */
  merge(): void {
    this.#check('merge');
    noGrad(() => {
      for (const { layer, adapter } of this.#layers) {
        const dw = adapter.deltaWeight();
        layer.weight.add_(dw);
        dw.dispose();
      }
    });
    for (const { layer } of this.#layers) layer.adapter.detach().dispose();
    this.#merged = true;
  }

  #check(fn: string): void {
    if (this.#merged) {
      throw new TorchError('adapters must not be merged yet, got merge() already called — apply LoRA anew', `LoraAdapters.${fn}`);
    }
  }
}

/**
 * Adapts the layers of `module` that `opts.targets` name, in place: freezes every parameter of `module`, attaches a
 * LoraAdapter (A kaiming-uniform, B = 0) to each matching Linear/Conv1d/Conv2d/Conv3d, and returns the handle. The
 * adapters are the module's children from then on (saved in its state dict, freed by its dispose()).
 */
export function applyLora(module: Module, opts: LoraOptions): LoraAdapters {
  const where = 'nn.applyLora';
  const { rank, alpha, targets } = opts;
  if (!Number.isInteger(rank) || rank <= 0) throw new TorchError(`rank must be a positive integer, got ${rank}`, where);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new TorchError(`alpha must be a positive number, got ${alpha}`, where);
  if (targets.length === 0) throw new TorchError('targets must name at least one layer pattern, got []', where);
  const layers = module.namedModules().filter((e): e is [string, LoraLayer] => isLoraLayer(e[1]));
  for (const t of targets) {
    if (!layers.some(([name]) => matchesTarget(name, t))) {
      const some = layers.slice(0, 4).map(([n]) => n);
      throw new TorchError(
        `target "${t}" must match a Linear or Conv layer's name, got none — names look like ${some.join(', ')}`,
        where,
      );
    }
  }
  const picked = layers.filter(([name]) => targets.some((t) => matchesTarget(name, t)));
  for (const [name, layer] of picked) checkAdaptable(name, layer, where);
  module.requiresGrad_(false);
  const onOff: AdapterSwitch = { enabled: true };
  const adapted = picked.map(([name, layer]) => {
    const adapter = new LoraAdapter(layer, rank, alpha, onOff, opts.generator);
    layer.adapter.attach(LORA_CHILD, adapter);
    return { name, layer, adapter };
  });
  return new LoraAdapters(rank, alpha, adapted, onOff);
}

/** Does `pattern` occur as consecutive segments of the dotted `name` (`*` matching any one segment)? */
export function matchesTarget(name: string, pattern: string): boolean {
  const n = name.split('.');
  const p = pattern.split('.');
  for (let start = 0; start + p.length <= n.length; start++) {
    if (p.every((seg, i) => seg === '*' || seg === n[start + i])) return true;
  }
  return false;
}

/** `<layer>.lora.<param>` (`lora.<param>` when the adapted layer is the module itself). */
function adapterKey(layer: string, param: string): string {
  return layer === '' ? `${LORA_CHILD}.${param}` : `${layer}.${LORA_CHILD}.${param}`;
}

function isLoraLayer(m: Module): m is LoraLayer {
  return m instanceof Linear || m instanceof Conv1d || m instanceof Conv2d || m instanceof Conv3d;
}

function checkAdaptable(name: string, layer: LoraLayer, where: string): void {
  if (layer.adapter.current !== null) {
    throw new TorchError(`layer "${name}" must have no adapter yet, got one — applyLora was already applied here`, where);
  }
  if (!(layer instanceof Linear) && layer.groups !== 1) {
    throw new TorchError(
      `layer "${name}" must be an ungrouped conv (groups 1), got groups=${layer.groups} — leave it out of targets`,
      where,
    );
  }
}
