// LoRA post-training (Hu et al., arXiv 2106.09685): with `lora: { rank, alpha, targets? }` in the run config the
// policy is the base with low-rank adapters on its U-Net (torch/nn/lora.ts) and every base weight frozen. Every
// algorithm builds its optimizer from the parameters that require grad, so it trains the adapters only; the
// reference is the same network with the adapters switched off — the base bit for bit, with no frozen copy loaded.
// Run checkpoints hold the adapters (they are the policy's children, so in its state dict); the final model has
// them merged into the weights, so `refract sample` and the evaluations load it as a plain checkpoint.
import { z } from 'zod';
import * as torch from '../torch/index.js';
import { applyLora, type LoraAdapters } from '../torch/nn/lora.js';
import type { TextToImageModel } from '../models/text-to-image.js';
import type { ReferenceModel } from '../algorithms/algorithm.js';
import { deriveSeed } from '../data/rng.js';

/**
 * Default targets, relative to the U-Net (`policy.backbone`): the attention blocks' projections (query, self/context
 * keys-values, out) and both 3×3 convs of every res block — peft's usual attention projections plus the res-block
 * convs that LoRA for diffusion U-Nets commonly adds.
 */
export const DEFAULT_LORA_TARGETS: readonly string[] = Object.freeze(['attn', 'res.conv1', 'res.conv2']);

/**
 * Default targets of a flow-transformer backbone: both streams' attention projections and MLPs (the layers LoRA for
 * DiT/MMDiT models usually adapts, e.g. diffusers' SD3 LoRA training targets to_q/k/v/out).
 */
export const DEFAULT_DIT_LORA_TARGETS: readonly string[] = Object.freeze(['qkv', 'proj', 'mlpIn', 'mlpOut']);

export const loraConfigSchema = z
  .object({
    /** r: the rank of every adapter's B·A. */
    rank: z.number().int().positive(),
    /** α: updates are scaled by α/r (α = r: scale 1). */
    alpha: z.number().positive(),
    /**
     * Backbone layer-name patterns to adapt (torch/nn/lora.ts `targets`): consecutive name segments, `*` any one.
     * Default: DEFAULT_LORA_TARGETS for a U-Net, DEFAULT_DIT_LORA_TARGETS for a flow transformer.
     */
    targets: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export type LoraConfig = z.infer<typeof loraConfigSchema>;

/** The layer patterns the adapters go on: the config's, else the backbone's default. */
export function loraTargets(policy: Pick<TextToImageModel, 'config'>, config: Readonly<LoraConfig>): string[] {
  return [...(config.targets ?? ('dit' in policy.config ? DEFAULT_DIT_LORA_TARGETS : DEFAULT_LORA_TARGETS))];
}

/**
 * Freezes the whole policy and attaches adapters to its backbone's `targets`, A drawn from a generator seeded by the
 * run seed. Errors name the config field.
 */
export function adaptPolicy(policy: TextToImageModel, config: Readonly<LoraConfig>, seed: number): LoraAdapters {
  policy.requiresGrad_(false); // the prompt encoder too: only adapters train
  const generator = new torch.Generator(deriveSeed(seed, 0x10ba));
  try {
    return applyLora(policy.backbone, { rank: config.rank, alpha: config.alpha, targets: loraTargets(policy, config), generator });
  } catch (err) {
    throw new Error(`refract train: field "lora" is invalid — ${(err as Error).message}`);
  } finally {
    generator.dispose();
  }
}

/**
 * The policy seen with its adapters off: every call (and every call of the denoiser it hands out) runs with the
 * adapters disabled, so it computes the base exactly while sharing the policy's weights. It runs in the policy's
 * train/eval mode (every algorithm puts the policy in eval mode), and its dispose() frees nothing: the policy owns
 * the weights.
 */
export function adaptersOffReference(policy: TextToImageModel, lora: LoraAdapters): ReferenceModel {
  const off = <T>(fn: () => T): T => lora.withAdaptersDisabled(fn);
  return {
    encode: (tokens) => off(() => policy.encode(tokens)),
    encodeNull: (batch, length) => off(() => policy.encodeNull(batch, length)),
    predict: (x, t, cond) => off(() => policy.predict(x, t, cond)),
    forward: (x, t, tokens) => off(() => policy.forward(x, t, tokens)),
    denoiser: () => (x, t, cond) => off(() => policy.predict(x, t, cond)),
    dispose: () => undefined,
  };
}
