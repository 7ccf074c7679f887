// A lagged copy of the policy's trainable weights: DiffusionNFT's "old" policy (the sampling and v_old policy,
// NVlabs/DiffusionNFT scripts/train_nft_sd3.py keeps it as a second LoRA adapter "old") and AWM's KL-to-EMA anchor
// (scxue/advantage_weighted_matching scripts/train_sd3_awm.py, adapter "ema"). Both update it once per iteration:
//   θ_ema ← d·θ_ema + (1 − d)·θ
// with a decay that ramps with the optimizer steps taken so far, n:
//   d(n) = 0 for n < flat, else min(rate·(n − flat), max)
// (DiffusionNFT's return_decay: decay_type 1 is {flat 0, rate 0.001, max 0.5}, type 2 {flat 75, rate 0.0075, max
// 0.999}; AWM's 'linear' kl_ema_decay is {flat 0, rate 0.001, max 0.3}; a constant d is {rate ≥ d, max d} for n ≥ 1).
// Only the parameters that require grad are copied (all of the denoiser, or the LoRA adapters): the rest is shared.
// To evaluate the copy, `run` swaps its weights into the policy and restores the policy's own afterwards, bit for bit.
import { z } from 'zod';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { ImagePolicy } from '../models/index.js';

export const emaDecaySchema = z
  .object({
    /** Optimizer steps before the copy starts to lag (d = 0: it equals the policy after each iteration). */
    flat: z.number().int().nonnegative().default(0),
    /** d grows by this per optimizer step after `flat`. */
    rate: z.number().nonnegative().default(0.001),
    /** d never exceeds this. */
    max: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export type EmaDecay = z.infer<typeof emaDecaySchema>;

/** d(n) = 0 for n < flat, else min(rate·(n − flat), max). */
export function emaDecayAt(optimizerSteps: number, s: Readonly<EmaDecay>): number {
  if (optimizerSteps < s.flat) return 0;
  return Math.min(s.rate * (optimizerSteps - s.flat), s.max);
}

export class EmaPolicy {
  /** name → [the policy's parameter, its lagged copy]. */
  readonly #pairs: Map<string, [Tensor, Tensor]>;

  /** Starts equal to the policy's trainable parameters (call after freezing what must not train). */
  constructor(policy: ImagePolicy) {
    const trainable = policy.namedParameters().filter(([, p]) => p.requiresGrad);
    this.#pairs = new Map(trainable.map(([n, p]) => [n, [p, ownedCopy(p)] as [Tensor, Tensor]]));
  }

  get size(): number {
    return this.#pairs.size;
  }

  /** θ_ema ← d·θ_ema + (1 − d)·θ, d ∈ [0, 1]. */
  update(decay: number): void {
    if (!(decay >= 0 && decay <= 1)) {
      throw new Error(`refract train: EMA decay must be in [0, 1], got ${decay} — check the section's decay schedule (max ≤ 1)`);
    }
    torch.noGrad(() => {
      for (const [p, e] of this.#pairs.values()) e.lerp_(p, 1 - decay); // e + (1 − d)·(θ − e)
    });
  }

  /** Runs `fn` with the lagged weights in the policy (no grad), then restores the policy's own weights exactly. */
  run<T>(fn: () => T): T {
    const restore = this.swapIn();
    try {
      return torch.noGrad(fn);
    } finally {
      restore();
    }
  }

  /**
   * Puts the lagged weights into the policy and returns the function that puts the policy's own back, bit for bit:
   * for work that awaits in between (an evaluation), which `run` cannot wrap.
   */
  swapIn(): () => void {
    const saved = [...this.#pairs.values()].map(([p]) => ownedCopy(p));
    this.copyIntoPolicy();
    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      torch.noGrad(() => [...this.#pairs.values()].forEach(([p], i) => p.copy_(saved[i]!)));
      torch.disposeAll(saved);
    };
  }

  /** Puts the lagged weights into the policy for good (the policy's own are not kept). */
  copyIntoPolicy(): void {
    torch.noGrad(() => {
      for (const [p, e] of this.#pairs.values()) p.copy_(e);
    });
  }

  /** The lagged weights as `<prefix>.<parameter name>` (detached views: free them, or call inside a scope). */
  stateDict(prefix: string): Record<string, Tensor> {
    return Object.fromEntries([...this.#pairs].map(([n, [, e]]) => [`${prefix}.${n}`, e.detach()]));
  }

  /** Copies saved lagged weights back; every trainable parameter must be there with its shape. */
  loadStateDict(tensors: Readonly<Record<string, Tensor>>, prefix: string, where: string): void {
    for (const [n, [, e]] of this.#pairs) {
      const t = tensors[`${prefix}.${n}`];
      if (t === undefined || t.shape.join() !== e.shape.join()) {
        const got = t === undefined ? 'nothing' : `shape [${t.shape.join(', ')}]`;
        throw new Error(
          `refract ${where}: state.tensors["${prefix}.${n}"] must hold a [${e.shape.join(', ')}] tensor, got ${got} — resume with the checkpoint's algorithm, model and lora settings`,
        );
      }
    }
    torch.noGrad(() => {
      for (const [n, [, e]] of this.#pairs) e.copy_(tensors[`${prefix}.${n}`]!);
    });
  }

  dispose(): void {
    for (const [, e] of this.#pairs.values()) e.dispose();
    this.#pairs.clear();
  }
}

/** A detached copy of `t` that no scope frees (its owner disposes it). */
function ownedCopy(t: Tensor): Tensor {
  return torch.keep(torch.noGrad(() => torch.scope(() => t.detach().clone())));
}
