// The generator networks (issue "Generators as policies", DESIGN §2): prompt encoder, image and video U-Nets,
// their composition into policies, and checkpoint I/O.
export {
  PromptEncoder,
  PAD_TOKEN,
  SHAPES_PROMPT_ENCODER_CONFIG,
  nullTokens,
  parsePromptEncoderConfig,
} from './prompt-encoder.js';
export type { PromptEncoderConfig, PromptCondition } from './prompt-encoder.js';
export { sinusoidalEmbedding, TimestepEmbedding } from './timestep-embedding.js';
export { ResBlock, type ResBlockOptions } from './res-block.js';
export { Pointwise, channelLayerNorm } from './pointwise.js';
export { ConvAttention } from './conv-attention.js';
export { TokenTransformerLayer } from './token-transformer.js';
export { Downsample, Upsample } from './resample.js';
export { AttentionBlock, type AttentionBlockOptions, type CrossContext } from './attention-block.js';
export { UNetCore, type BlockInputs, type UNetBlock, type BlockFactory } from './unet-core.js';
export { SHAPES_UNET_CONFIG, parseUNetConfig, levelResolutions } from './unet-config.js';
export type { UNetConfig, UNetSkeletonConfig } from './unet-config.js';
export { ConditionalUNet, ResAttnBlock } from './unet.js';
export type { ImagePolicy, PolicyCondition, PolicyDenoiser, ScriptCondition } from './image-policy.js';
export { isPromptCondition } from './image-policy.js';
export { PromptConditionedModel, type PromptBackbone, type PromptDenoiser } from './prompt-conditioned.js';
export {
  TextToImageModel,
  SHAPES_TEXT_TO_IMAGE_CONFIG,
  SHAPES_DIT_TEXT_TO_IMAGE_CONFIG,
  parseTextToImageConfig,
  imageGeometry,
  type TextToImageConfig,
  type UNetTextToImageConfig,
  type DitTextToImageConfig,
  type ImageBackbone,
} from './text-to-image.js';
export { FlowTransformer } from './dit.js';
export { JointBlock, StreamWeights, modulate } from './dit-block.js';
export { SHAPES_DIT_CONFIG, parseFlowTransformerConfig, type FlowTransformerConfig } from './dit-config.js';
export { sinCos2d, coordinateChannels } from './position-embedding.js';
export { TemporalConv, TemporalAttention, framesToSequences, sequencesToFrames } from './temporal.js';
export { SHAPES_VIDEO_UNET_CONFIG, parseVideoUNetConfig, type VideoUNetConfig } from './video-unet-config.js';
export { VideoUNet, VideoBlock } from './video-unet.js';
export {
  TextToVideoModel,
  SHAPES_TEXT_TO_VIDEO_CONFIG,
  parseTextToVideoConfig,
  type TextToVideoConfig,
} from './text-to-video.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadTextToImageCheckpoint,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointKind,
  type CheckpointModel,
  type LoadedCheckpoint,
  type SaveCheckpointOptions,
  type JsonValue,
} from './checkpoint.js';
export { ScriptGenerator, GENERATOR_ARCHIVE, ENCODER_ARCHIVE } from './torchscript/generator.js';
export {
  parseScriptGeneratorConfig,
  SHAPES_SCRIPT_GENERATOR_CONFIG,
  type ScriptGeneratorConfig,
  type TimeInput,
  type ScriptConditioning,
} from './torchscript/config.js';
