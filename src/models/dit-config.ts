// Architecture config of the flow transformer (./dit.ts): the type, a frozen default for 32×32 Shapes-world images
// and a schema that validates unknown input with messages naming the field (STYLE §5).
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../config/load.js';

export interface FlowTransformerConfig {
  /** Channels of x (3 for RGB). */
  readonly inChannels: number;
  /** Channels of the prediction (usually inChannels). */
  readonly outChannels: number;
  /** Height = width of x; must be divisible by patchSize. */
  readonly imageSize: number;
  /** Side p of the square patches that become tokens: (imageSize/p)² image tokens. */
  readonly patchSize: number;
  /** Token width D of both streams (image and prompt). */
  readonly dim: number;
  /** Number of joint-attention blocks. */
  readonly depth: number;
  /** Attention heads; must divide dim. */
  readonly heads: number;
  /** Feed-forward width as a multiple of dim. */
  readonly mlpRatio: number;
  /** Width of the prompt context (the PromptEncoder's dim). */
  readonly contextDim: number;
}

/**
 * The Shapes-world transformer: 32×32 RGB in 4×4 patches (64 image tokens), 6 blocks of width 128. Sized so a
 * pretraining step on a batch of 32 costs about what the first U-Net base's did on one CPU thread.
 */
export const SHAPES_DIT_CONFIG: FlowTransformerConfig = deepFreeze({
  inChannels: 3,
  outChannels: 3,
  imageSize: 32,
  patchSize: 4,
  dim: 128,
  depth: 6,
  heads: 4,
  mlpRatio: 3,
  contextDim: 128,
});

const posInt = z.number().int().positive();

export const flowTransformerConfigSchema = z
  .object({
    inChannels: posInt,
    outChannels: posInt,
    imageSize: posInt,
    patchSize: posInt,
    dim: posInt,
    depth: posInt,
    heads: posInt,
    mlpRatio: z.number().positive(),
    contextDim: posInt,
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.imageSize % c.patchSize !== 0) issue('patchSize', `must divide imageSize (${c.imageSize})`);
    if (c.dim % c.heads !== 0) issue('heads', `must divide dim (${c.dim})`);
    if (c.dim % 4 !== 0) issue('dim', 'must be a multiple of 4 (2D sin-cos position embedding)');
  });

/** Validates unknown input into a frozen FlowTransformerConfig; throws a ConfigError naming each bad field. */
export function parseFlowTransformerConfig(raw: unknown, where = 'refract FlowTransformer config'): FlowTransformerConfig {
  return parseConfig(flowTransformerConfigSchema, raw, where);
}
