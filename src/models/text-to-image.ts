// TextToImageModel: PromptEncoder + ConditionalUNet, with one config object that checkpoints store whole.
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../config/load.js';
import {
  PromptEncoder,
  promptEncoderConfigSchema,
  SHAPES_PROMPT_ENCODER_CONFIG,
  type PromptEncoderConfig,
} from './prompt-encoder.js';
import { ConditionalUNet } from './unet.js';
import { SHAPES_UNET_CONFIG, unetConfigSchema, type UNetConfig } from './unet-config.js';
import { PromptConditionedModel } from './prompt-conditioned.js';

export interface TextToImageConfig {
  readonly encoder: PromptEncoderConfig;
  readonly unet: UNetConfig;
}

/** The shipped Shapes-world base model: 32×32 RGB from prompts of ≤ 16 tokens. */
export const SHAPES_TEXT_TO_IMAGE_CONFIG: TextToImageConfig = deepFreeze({
  encoder: SHAPES_PROMPT_ENCODER_CONFIG,
  unet: SHAPES_UNET_CONFIG,
});

export const textToImageConfigSchema = z
  .object({ encoder: promptEncoderConfigSchema, unet: unetConfigSchema })
  .strict()
  .superRefine((c, ctx) => {
    if (c.unet.contextDim !== c.encoder.dim) {
      ctx.addIssue({
        code: 'custom',
        path: ['unet', 'contextDim'],
        message: `must equal encoder.dim (${c.encoder.dim})`,
      });
    }
  });

export function parseTextToImageConfig(raw: unknown, where = 'refract TextToImageModel config'): TextToImageConfig {
  return parseConfig(textToImageConfigSchema, raw, where);
}

export class TextToImageModel extends PromptConditionedModel<ConditionalUNet> {
  readonly config: TextToImageConfig;

  constructor(config: TextToImageConfig = SHAPES_TEXT_TO_IMAGE_CONFIG) {
    const c = parseTextToImageConfig(config);
    super(new PromptEncoder(c.encoder), new ConditionalUNet(c.unet));
    this.config = c;
  }
}
