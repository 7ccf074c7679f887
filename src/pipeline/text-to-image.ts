// Prompt text → images with a prompt-conditioned flow model: tokenize, encode once, sample (with CFG), decode.
// The one place that joins a concrete model (models/), a sampler (generate/) and the testbed's vocabulary (data/).
import * as torch from '../torch/index.js';
import { sampleFlow, type SampleFlowOptions } from '../generate/sample-flow.js';
import type { Trajectory } from '../generate/trajectory.js';
import { TextToVideoModel } from '../models/text-to-video.js';
import type { ImagePolicy, PolicyCondition } from '../models/index.js';
import { SHAPES_VOCABULARY } from '../data/shapes/vocab.js';
import type { WordVocabulary } from '../data/vocabulary.js';
import { tensorToImages } from '../data/image-tensor.js';
import type { RGBImage } from '../data/image.js';

/** A prompt-conditioned image model: Refract's own, or a TorchScript generator (models/image-policy.ts). */
export type PromptModel = ImagePolicy;
/** Any prompt-conditioned generator: images [B, C, H, W] or clips [B, C, F, H, W]. */
export type PromptPolicy = ImagePolicy | TextToVideoModel;

/** One sample's shape: [C, H, W] for an image model, [C, F, H, W] for a video model. */
export function sampleShape(model: PromptPolicy): number[] {
  if (!(model instanceof TextToVideoModel)) return model.sampleShape;
  const u = model.config.unet;
  return [u.inChannels, u.frames, u.imageSize, u.imageSize];
}

export interface FlowSamplingOptions {
  steps: number;
  guidance: number;
  shift?: number;
  /** 'ode' for evaluation and sample grids; 'flow_sde' / 'cps' for RL rollouts. */
  sde?: SampleFlowOptions<PolicyCondition>['sde'];
  noiseLevel?: number;
  sdeWindow?: readonly [number, number];
  /** The prompts' tokenizer; default the Shapes world's (a model trained on another testbed needs its own). */
  vocabulary?: WordVocabulary;
}

export const DEFAULT_EVAL_SAMPLING: Readonly<FlowSamplingOptions> = Object.freeze({ steps: 20, guidance: 3, sde: 'ode' });

/**
 * Samples one image per (prompt, seed) pair and returns the trajectory (latents in [-1, 1]). Runs under noGrad;
 * the caller disposes the trajectory's tensors (or uses a scope).
 */
export function rolloutPrompts(
  model: PromptPolicy,
  prompts: readonly string[],
  seeds: readonly number[],
  o: FlowSamplingOptions,
): Trajectory<PolicyCondition> {
  if (prompts.length !== seeds.length) {
    throw new Error(`refract rollout: seeds must hold one seed per prompt (${prompts.length}), got ${seeds.length}`);
  }
  return torch.noGrad(() =>
    torch.scope(() => {
      const vocabulary = o.vocabulary ?? SHAPES_VOCABULARY;
      const cond = model.encode(vocabulary.tokenizeBatch(prompts));
      const uncond = o.guidance !== 1 ? model.encodeNull(prompts.length, vocabulary.maxTokens) : undefined;
      return sampleFlow<PolicyCondition>({
        model: model.denoiser(),
        cond,
        uncond,
        guidance: o.guidance,
        steps: o.steps,
        shift: o.shift ?? 1,
        sde: o.sde ?? 'ode',
        noiseLevel: o.noiseLevel,
        sdeWindow: o.sdeWindow,
        seeds,
        shape: sampleShape(model),
        recordLatents: o.sde !== undefined && o.sde !== 'ode',
      });
    }),
  );
}

/** Prompts → images, in batches of `batchSize`. Seeds default to 0..n−1 offset by `seed`. */
export function generateImages(
  model: PromptModel,
  prompts: readonly string[],
  o: FlowSamplingOptions & { seed?: number; batchSize?: number; seeds?: readonly number[] },
): RGBImage[] {
  const seeds = o.seeds ?? prompts.map((_, i) => (o.seed ?? 0) * 100_003 + i);
  const bs = o.batchSize ?? 32;
  const out: RGBImage[] = [];
  for (let s = 0; s < prompts.length; s += bs) {
    torch.scope(() => {
      const traj = rolloutPrompts(model, prompts.slice(s, s + bs), seeds.slice(s, s + bs), { ...o, sde: o.sde ?? 'ode' });
      out.push(...tensorToImages(traj.finalSample));
    });
  }
  return out;
}
