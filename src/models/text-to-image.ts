// TextToImageModel: PromptEncoder + ConditionalUNet, with one config object that checkpoints store whole.
import { parseConfig, deepFreeze } from '../config/load.js';
import {
  PromptEncoder,
  SHAPES_PROMPT_ENCODER_CONFIG,
  type PromptEncoderConfig,
} from './prompt-encoder.js';
import { ConditionalUNet } from './unet.js';
import { SHAPES_UNET_CONFIG, unetConfigSchema, type UNetConfig } from './unet-config.js';
import { PromptConditionedModel, promptModelConfigSchema } from './prompt-conditioned.js';

export interface TextToImageConfig {
  readonly encoder: PromptEncoderConfig;
  readonly unet: UNetConfig;
}

/** The shipped Shapes-world base model: 32×32 RGB from prompts of ≤ 16 tokens. */
export const SHAPES_TEXT_TO_IMAGE_CONFIG: TextToImageConfig = deepFreeze({
  encoder: SHAPES_PROMPT_ENCODER_CONFIG,
  unet: SHAPES_UNET_CONFIG,
});

export const textToImageConfigSchema = promptModelConfigSchema(unetConfigSchema);

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
