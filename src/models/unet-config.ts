// Architecture config of the image U-Net: the type, a frozen default sized for 32×32 Shapes-world images, and a
// schema that validates unknown input (a config.json, a YAML file) with messages naming the field (STYLE §5).
import { z } from 'zod';
import { parseConfig, deepFreeze } from '../config/load.js';

/** The shared skeleton fields of the image and video U-Nets. */
export interface UNetSkeletonConfig {
  /** Channels of x (3 for RGB images, 4 for latents). */
  readonly inChannels: number;
  /** Channels of the prediction (usually inChannels). */
  readonly outChannels: number;
  /** Height = width of x; must be divisible by 2^(levels − 1). */
  readonly imageSize: number;
  /** Channels of the first level; level i has baseChannels·channelMult[i]. Also the sinusoidal embedding width. */
  readonly baseChannels: number;
  /** One entry per resolution level; each level after the first halves the resolution. */
  readonly channelMult: readonly number[];
  /** Residual blocks per level, on the way down and again on the way up. */
  readonly blocksPerLevel: number;
  /** GroupNorm groups (Wu & He, arXiv 1803.08494); must divide every level's channels. */
  readonly groups: number;
  /** Attention heads; must divide the channels of every level that attends. */
  readonly heads: number;
  /** Width of the prompt context (the PromptEncoder's dim). */
  readonly contextDim: number;
  /** Dropout inside residual blocks (DDPM used 0.1 on CIFAR-10; 0 for procedurally generated data). */
  readonly dropout: number;
  /** ADM's adaptive GroupNorm: the embedding sets a per-channel scale and shift instead of being added. */
  readonly scaleShift: boolean;
}

export interface UNetConfig extends UNetSkeletonConfig {
  /** Resolutions (e.g. 16, 8) whose blocks cross-attend to the prompt context (Rombach et al., arXiv 2112.10752). */
  readonly crossAttentionResolutions: readonly number[];
  /** Resolutions whose blocks also self-attend over positions (ADM uses 16 and 8 at 64×64). */
  readonly selfAttentionResolutions: readonly number[];
  /** Self-attention in the middle block (at the lowest resolution) whatever selfAttentionResolutions says. */
  readonly midSelfAttention: boolean;
  /**
   * Fixed 2D sin-cos position codes added to every attention block's queries and self-keys, so a prompt word can
   * be matched against where a position is (issue #10's candidate (a); ./position-embedding.ts). Default false
   * (the first Shapes base).
   */
  readonly positionalAttention?: boolean;
  /** Two coordinate channels (x, y ∈ [−1, 1]) concatenated to the input (CoordConv, arXiv 1807.03247). Default false. */
  readonly coordinateChannels?: boolean;
}

/**
 * The Shapes-world base model: 32×32 RGB, levels at 32/16/8 with 32/64/64 channels, cross-attention to the prompt
 * at 16×16 and 8×8, self-attention in the 8×8 middle block. About 1.2 M parameters with the default prompt encoder,
 * sized so a training step on a batch of 32 stays within the 2-CPU-thread budget (timings in bench/models.ts).
 */
export const SHAPES_UNET_CONFIG: UNetConfig = deepFreeze({
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
  crossAttentionResolutions: [16, 8],
  selfAttentionResolutions: [],
  midSelfAttention: true,
  positionalAttention: false,
  coordinateChannels: false,
});

const posInt = z.number().int().positive();
const resolutions = z.array(posInt);

export const unetSkeletonFields = {
  inChannels: posInt,
  outChannels: posInt,
  imageSize: posInt,
  baseChannels: posInt,
  channelMult: z.array(posInt).min(1),
  blocksPerLevel: posInt,
  groups: posInt,
  heads: posInt,
  contextDim: posInt,
  dropout: z.number().min(0).lt(1),
  scaleShift: z.boolean(),
};

/** The resolution of each level: imageSize, imageSize/2, ... */
export function levelResolutions(c: Pick<UNetSkeletonConfig, 'imageSize' | 'channelMult'>): number[] {
  return c.channelMult.map((_, i) => c.imageSize / 2 ** i);
}

type Issue = { path: (string | number)[]; message: string };

/** Cross-field checks shared by the image and video U-Nets; `attending` lists resolutions with attention. */
export function skeletonIssues(c: UNetSkeletonConfig, attending: readonly number[]): Issue[] {
  const issues: Issue[] = [];
  const levels = c.channelMult.length;
  if (c.imageSize % 2 ** (levels - 1) !== 0) {
    issues.push({
      path: ['imageSize'],
      message: `must be divisible by 2^(levels-1) = ${2 ** (levels - 1)} for ${levels} levels`,
    });
  }
  if (c.baseChannels % 2 !== 0)
    issues.push({ path: ['baseChannels'], message: 'must be even (it is the sinusoidal embedding width)' });
  const res = levelResolutions(c);
  c.channelMult.forEach((m, i) => {
    const ch = c.baseChannels * m;
    if (ch % c.groups !== 0)
      issues.push({ path: ['groups'], message: `must divide every level's channels, level ${i} has ${ch}` });
    if (attending.includes(res[i]!) && ch % c.heads !== 0) {
      issues.push({ path: ['heads'], message: `must divide the channels of attending level ${i} (${ch})` });
    }
  });
  return issues;
}

/** Attention resolutions must be level resolutions; returns issues under `field`. */
export function resolutionIssues(c: UNetSkeletonConfig, field: string, list: readonly number[]): Issue[] {
  const res = levelResolutions(c);
  return list
    .filter((r) => !res.includes(r))
    .map((r) => ({ path: [field], message: `must hold level resolutions [${res.join(', ')}] only, ${r} is not one` }));
}

export const unetConfigSchema = z
  .object({
    ...unetSkeletonFields,
    crossAttentionResolutions: resolutions,
    selfAttentionResolutions: resolutions,
    midSelfAttention: z.boolean(),
    positionalAttention: z.boolean().default(false),
    coordinateChannels: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    const lowest = levelResolutions(c).at(-1)!;
    const attending = [
      ...c.crossAttentionResolutions,
      ...c.selfAttentionResolutions,
      ...(c.midSelfAttention ? [lowest] : []),
    ];
    const issues = [
      ...skeletonIssues(c, attending),
      ...resolutionIssues(c, 'crossAttentionResolutions', c.crossAttentionResolutions),
      ...resolutionIssues(c, 'selfAttentionResolutions', c.selfAttentionResolutions),
    ];
    for (const i of issues) ctx.addIssue({ code: 'custom', ...i });
  });

/** Validates unknown input into a frozen UNetConfig; throws a ConfigError naming each bad field. */
export function parseUNetConfig(raw: unknown, where = 'refract ConditionalUNet config'): UNetConfig {
  return parseConfig(unetConfigSchema, raw, where);
}
