// Architecture config of the video U-Net: the image skeleton's fields plus the temporal ones, a frozen default
// for 8-frame 32×32 Moving-shapes clips, and a schema with messages naming the field (STYLE §5).
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../config/load.js';
import { resolutionIssues, skeletonIssues, unetSkeletonFields, type UNetSkeletonConfig } from './unet-config.js';

export interface VideoUNetConfig extends UNetSkeletonConfig {
  /** The longest clip F (sizes the learned frame-position table of temporal attention). */
  readonly frames: number;
  /** Temporal convolution width (odd): how many neighbouring frames each block mixes. */
  readonly temporalKernel: number;
  /** Resolutions whose blocks cross-attend, frame by frame, to the prompt context. */
  readonly crossAttentionResolutions: readonly number[];
  /** Resolutions whose blocks attend across frames at each position. */
  readonly temporalAttentionResolutions: readonly number[];
}

/** Moving-shapes clips: 8 frames of 32×32 RGB; the spatial layout of SHAPES_UNET_CONFIG. */
export const SHAPES_VIDEO_UNET_CONFIG: VideoUNetConfig = deepFreeze({
  inChannels: 3,
  outChannels: 3,
  imageSize: 32,
  baseChannels: 32,
  channelMult: [1, 2, 2],
  blocksPerLevel: 1,
  groups: 8,
  heads: 4,
  contextDim: 128,
  dropout: 0,
  scaleShift: true,
  frames: 8,
  temporalKernel: 3,
  crossAttentionResolutions: [8],
  temporalAttentionResolutions: [8],
});

const resolutions = z.array(z.number().int().positive());

export const videoUNetConfigSchema = z
  .object({
    ...unetSkeletonFields,
    frames: z.number().int().positive(),
    temporalKernel: z.number().int().positive(),
    crossAttentionResolutions: resolutions,
    temporalAttentionResolutions: resolutions,
  })
  .strict()
  .superRefine((c, ctx) => {
    const attending = [...c.crossAttentionResolutions, ...c.temporalAttentionResolutions];
    const issues = [
      ...skeletonIssues(c, attending),
      ...resolutionIssues(c, 'crossAttentionResolutions', c.crossAttentionResolutions),
      ...resolutionIssues(c, 'temporalAttentionResolutions', c.temporalAttentionResolutions),
    ];
    if (c.temporalKernel % 2 === 0)
      issues.push({ path: ['temporalKernel'], message: 'must be odd so frames stay aligned' });
    for (const i of issues) ctx.addIssue({ code: 'custom', ...i });
  });

export function parseVideoUNetConfig(raw: unknown, where = 'refract VideoUNet config'): VideoUNetConfig {
  return parseConfig(videoUNetConfigSchema, raw, where);
}
