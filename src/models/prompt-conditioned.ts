// A prompt encoder and a denoising backbone as one policy network. Samplers call `encode` once per rollout and
// then `predict` at every step with the same condition (the context never changes along a trajectory); training
// code may call `forward`, which does both inside one autograd graph so the encoder is trained too.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { z } from 'zod';
import { nullTokens, promptEncoderConfigSchema, type PromptCondition, type PromptEncoder } from './prompt-encoder.js';
import { isPromptCondition, type PolicyCondition, type PolicyDenoiser } from './image-policy.js';

/**
 * The config schema of a prompt-conditioned model: `{ encoder, unet }`, where the backbone's cross-attention
 * width must equal the encoder's output width. Shared by the image and the video model.
 */
export function promptModelConfigSchema<U extends z.ZodType<{ contextDim: number }>>(unet: U) {
  return z
    .object({ encoder: promptEncoderConfigSchema, unet })
    .strict()
    .superRefine((raw, ctx) => {
      const c = raw as { encoder: { dim: number }; unet: { contextDim: number } };
      if (c.unet.contextDim !== c.encoder.dim) {
        ctx.addIssue({ code: 'custom', path: ['unet', 'contextDim'], message: `must equal encoder.dim (${c.encoder.dim})` });
      }
    });
}

/** A denoiser conditioned on a prompt: what ConditionalUNet and VideoUNet are. */
export interface PromptBackbone extends Module {
  forward(x: Tensor, t: Tensor, cond: PromptCondition): Tensor;
}

/**
 * The function samplers call: `(x [B, ...], t [B] float, cond) → prediction [B, ...]`. Structurally the same as
 * generate/'s `VelocityModel<PolicyCondition>` (and `EpsilonModel<PolicyCondition>`), without importing it.
 */
export type PromptDenoiser = PolicyDenoiser;

export abstract class PromptConditionedModel<B extends PromptBackbone> extends Module {
  protected constructor(
    readonly encoder: PromptEncoder,
    readonly backbone: B,
  ) {
    super();
    this.registerModule('encoder', encoder);
    this.registerModule('backbone', backbone);
  }

  /** tokens [B, L] int64 (0 = pad) → the condition to reuse at every sampler step. */
  encode(tokens: Tensor): PromptCondition {
    return this.encoder.forward(tokens);
  }

  /** The condition of the null (all-pad) prompt for B samples, L tokens long (match the conditional L for CFG). */
  encodeNull(batch: number, length: number): PromptCondition {
    return torch.scope(() => this.encoder.forward(nullTokens(batch, length)));
  }

  /** One denoiser call with a precomputed condition (one this model's `encode` made). */
  predict(x: Tensor, t: Tensor, cond: PolicyCondition): Tensor {
    if (!isPromptCondition(cond)) {
      throw new Error(
        `refract ${this.constructor.name}: cond must come from this model's encode(), got a TorchScript generator's condition — encode the prompts with the model you sample`,
      );
    }
    return this.backbone.forward(x, t, cond);
  }

  /** encode + predict in one graph. */
  forward(x: Tensor, t: Tensor, tokens: Tensor): Tensor {
    return torch.scope(() => this.predict(x, t, this.encode(tokens)));
  }

  /** `predict` as a plain function, for generate/'s samplers. */
  denoiser(): PromptDenoiser {
    return (x, t, cond) => this.predict(x, t, cond);
  }
}
