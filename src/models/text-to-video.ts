// TextToVideoModel: PromptEncoder + VideoUNet, with one config object that checkpoints store whole.
import { parseConfig, deepFreeze } from '../config/load.js';
import {
  PromptEncoder,
  SHAPES_PROMPT_ENCODER_CONFIG,
  type PromptEncoderConfig,
} from './prompt-encoder.js';
import { VideoUNet } from './video-unet.js';
import { SHAPES_VIDEO_UNET_CONFIG, videoUNetConfigSchema, type VideoUNetConfig } from './video-unet-config.js';
import { PromptConditionedModel, promptModelConfigSchema } from './prompt-conditioned.js';

export interface TextToVideoConfig {
  readonly encoder: PromptEncoderConfig;
  readonly unet: VideoUNetConfig;
}

export const SHAPES_TEXT_TO_VIDEO_CONFIG: TextToVideoConfig = deepFreeze({
  encoder: SHAPES_PROMPT_ENCODER_CONFIG,
  unet: SHAPES_VIDEO_UNET_CONFIG,
});

export const textToVideoConfigSchema = promptModelConfigSchema(videoUNetConfigSchema);

export function parseTextToVideoConfig(raw: unknown, where = 'refract TextToVideoModel config'): TextToVideoConfig {
  return parseConfig(textToVideoConfigSchema, raw, where);
}

export class TextToVideoModel extends PromptConditionedModel<VideoUNet> {
  readonly config: TextToVideoConfig;

  constructor(config: TextToVideoConfig = SHAPES_TEXT_TO_VIDEO_CONFIG) {
    const c = parseTextToVideoConfig(config);
    super(new PromptEncoder(c.encoder), new VideoUNet(c.unet));
    this.config = c;
  }
}
