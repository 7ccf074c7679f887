// What the post-training algorithms ask of an image generator (issue #15): Refract's own TextToImageModel and a
// generator brought as a TorchScript file (./torchscript/) both provide it, so one loop, every sampler and every
// algorithm run on either. Samplers treat the condition as opaque (generate/conditioning.ts cuts and stacks its
// tensors along the batch); only the model that made a condition reads it.
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/module.js';
import type { PromptCondition } from './prompt-encoder.js';

/** A TorchScript generator's condition: the tensor its forward takes third (token ids, class ids or an embedding). */
export interface ScriptCondition {
  readonly input: Tensor;
}

/** Whatever a policy's `encode` returns and its `predict` takes back. */
export type PolicyCondition = PromptCondition | ScriptCondition;

export function isPromptCondition(c: PolicyCondition): c is PromptCondition {
  return 'context' in c;
}

/** `(x [B, ...], σ [B], cond) → velocity [B, ...]`: what generate/'s flow samplers call. */
export type PolicyDenoiser = (x: Tensor, t: Tensor, cond: PolicyCondition) => Tensor;

/** An image generator the algorithms can train: a Module whose trainable parameters the optimizer updates. */
export interface ImagePolicy extends Module {
  /** One sample's shape [C, H, W]. */
  readonly sampleShape: number[];
  /** The prompt encoder's parameters (frozen by every algorithm; an empty module when the generator has none). */
  readonly encoder: Module;
  /** tokens [B, L] int64 (0 = pad) → the condition reused at every sampler step. */
  encode(tokens: Tensor): PolicyCondition;
  /** The null prompt's condition for B samples of L tokens (classifier-free guidance). */
  encodeNull(batch: number, length: number): PolicyCondition;
  /** The velocity v = ε − x₀ at (x_σ, σ) under a precomputed condition. */
  predict(x: Tensor, t: Tensor, cond: PolicyCondition): Tensor;
  /** encode + predict in one graph. */
  forward(x: Tensor, t: Tensor, tokens: Tensor): Tensor;
  /** `predict` as a plain function, for the samplers. */
  denoiser(): PolicyDenoiser;
}
