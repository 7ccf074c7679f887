// TextToImageModel: PromptEncoder + a denoising backbone, with one config object that checkpoints store whole.
// Two backbones: `unet` (ConditionalUNet, the first Shapes base; still loadable) or `dit` (FlowTransformer, a small
// MMDiT whose image tokens carry 2D positions — the layout-capable architecture of issue #10).
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../config/load.js';
import {
  PromptEncoder,
  SHAPES_PROMPT_ENCODER_CONFIG,
  promptEncoderConfigSchema,
  type PromptEncoderConfig,
} from './prompt-encoder.js';
import { ConditionalUNet } from './unet.js';
import { SHAPES_UNET_CONFIG, unetConfigSchema, type UNetConfig } from './unet-config.js';
import { FlowTransformer } from './dit.js';
import { SHAPES_DIT_CONFIG, flowTransformerConfigSchema, type FlowTransformerConfig } from './dit-config.js';
import { PromptConditionedModel, promptModelConfigSchema } from './prompt-conditioned.js';

export interface UNetTextToImageConfig {
  readonly encoder: PromptEncoderConfig;
  readonly unet: UNetConfig;
}

export interface DitTextToImageConfig {
  readonly encoder: PromptEncoderConfig;
  readonly dit: FlowTransformerConfig;
}

export type TextToImageConfig = UNetTextToImageConfig | DitTextToImageConfig;

/** The first shipped Shapes-world base's architecture: 32×32 RGB from prompts of ≤ 16 tokens, U-Net backbone. */
export const SHAPES_TEXT_TO_IMAGE_CONFIG: UNetTextToImageConfig = deepFreeze({
  encoder: SHAPES_PROMPT_ENCODER_CONFIG,
  unet: SHAPES_UNET_CONFIG,
});

/** The layout-capable Shapes architecture: the same prompt encoder, a flow-transformer backbone. */
export const SHAPES_DIT_TEXT_TO_IMAGE_CONFIG: DitTextToImageConfig = deepFreeze({
  encoder: SHAPES_PROMPT_ENCODER_CONFIG,
  dit: SHAPES_DIT_CONFIG,
});

const ditModelConfigSchema = z
  .object({ encoder: promptEncoderConfigSchema, dit: flowTransformerConfigSchema })
  .strict()
  .superRefine((c, ctx) => {
    if (c.dit.contextDim !== c.encoder.dim) {
      ctx.addIssue({ code: 'custom', path: ['dit', 'contextDim'], message: `must equal encoder.dim (${c.encoder.dim})` });
    }
  });

const unetModelConfigSchema = promptModelConfigSchema(unetConfigSchema);

/** `{ encoder, unet }` or `{ encoder, dit }`: the key present picks the schema, so errors name the right fields. */
export function parseTextToImageConfig(raw: unknown, where = 'refract TextToImageModel config'): TextToImageConfig {
  const isDit = typeof raw === 'object' && raw !== null && 'dit' in raw;
  return isDit ? parseConfig(ditModelConfigSchema, raw, where) : parseConfig(unetModelConfigSchema, raw, where);
}

/** The image a config produces: channels and side. */
export function imageGeometry(c: TextToImageConfig): { channels: number; size: number } {
  const b = 'dit' in c ? c.dit : c.unet;
  return { channels: b.inChannels, size: b.imageSize };
}

export type ImageBackbone = ConditionalUNet | FlowTransformer;

export class TextToImageModel extends PromptConditionedModel<ImageBackbone> {
  readonly config: TextToImageConfig;

  constructor(config: TextToImageConfig = SHAPES_TEXT_TO_IMAGE_CONFIG) {
    const c = parseTextToImageConfig(config);
    super(new PromptEncoder(c.encoder), 'dit' in c ? new FlowTransformer(c.dit) : new ConditionalUNet(c.unet));
    this.config = c;
  }

  /** One sample's shape [C, H, W]. */
  get sampleShape(): number[] {
    const g = imageGeometry(this.config);
    return [g.channels, g.size, g.size];
  }
}
