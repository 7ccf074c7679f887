// Prompt text → images with a prompt-conditioned flow model: tokenize, encode once, sample (with CFG), decode.
// The one place that joins a concrete model (models/), a sampler (generate/) and the testbed's vocabulary (data/).
import * as torch from '../torch/index.js';
import { sampleFlow, type SampleFlowOptions } from '../generate/sample-flow.js';
import type { Trajectory } from '../generate/trajectory.js';
import type { PredictionObserver } from '../generate/types.js';
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
 * the caller disposes the trajectory's tensors (or uses a scope). `onPrediction` sees each step's x̂₀.
 */
export function rolloutPrompts(
  model: PromptPolicy,
  prompts: readonly string[],
  seeds: readonly number[],
  o: FlowSamplingOptions & { onPrediction?: PredictionObserver },
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
        ...(o.onPrediction ? { onPrediction: o.onPrediction } : {}),
      });
    }),
  );
}

export interface GenerateImagesOptions extends FlowSamplingOptions {
  seed?: number;
  batchSize?: number;
  seeds?: readonly number[];
}

/** Prompts → images, in batches of `batchSize`. Seeds default to 0..n−1 offset by `seed`. */
export function generateImages(model: PromptModel, prompts: readonly string[], o: GenerateImagesOptions): RGBImage[] {
  return generateImagesWithPredictions(model, prompts, { ...o, predictionSteps: [], predictionLimit: 0 }).images;
}

export interface PredictionCapture {
  /** Denoising steps whose x̂₀ to keep (indices into 0..steps−1), e.g. evenlySpacedSteps(steps, 6). */
  predictionSteps: readonly number[];
  /** Keep them for the first this many images only (default all). */
  predictionLimit?: number;
}

/**
 * generateImages, plus each of the first `predictionLimit` images' x̂₀ at `predictionSteps` (the trajectory view):
 * predictions[i][k] is image i at step predictionSteps[k]. Watching does not change the images (generate/ tests it).
 */
export function generateImagesWithPredictions(
  model: PromptModel,
  prompts: readonly string[],
  o: GenerateImagesOptions & PredictionCapture,
): { images: RGBImage[]; predictions: RGBImage[][] } {
  const seeds = o.seeds ?? prompts.map((_, i) => (o.seed ?? 0) * 100_003 + i);
  const bs = o.batchSize ?? 32;
  const limit = Math.min(o.predictionLimit ?? prompts.length, prompts.length);
  const keep = new Set(o.predictionSteps);
  const images: RGBImage[] = [];
  const predictions: RGBImage[][] = [];
  for (let s = 0; s < prompts.length; s += bs) {
    const watched = keep.size > 0 ? Math.max(0, Math.min(bs, limit - s)) : 0; // images of this batch to watch
    const strips: RGBImage[][] = Array.from({ length: watched }, () => []);
    const onPrediction: PredictionObserver = (step, x0) => {
      if (keep.has(step)) tensorToImages(x0.narrow(0, 0, watched)).forEach((img, i) => strips[i]!.push(img));
    };
    torch.scope(() => {
      const batch = { ...o, sde: o.sde ?? 'ode', ...(watched > 0 ? { onPrediction } : {}) };
      const traj = rolloutPrompts(model, prompts.slice(s, s + bs), seeds.slice(s, s + bs), batch);
      images.push(...tensorToImages(traj.finalSample));
    });
    predictions.push(...strips);
  }
  return { images, predictions };
}

/** `count` steps of 0..steps−1 spread evenly from the first to the last (all of them when count ≥ steps). */
export function evenlySpacedSteps(steps: number, count: number): number[] {
  if (count <= 0 || steps <= 0) return [];
  if (count >= steps) return Array.from({ length: steps }, (_, i) => i);
  if (count === 1) return [steps - 1];
  return [...new Set(Array.from({ length: count }, (_, k) => Math.round((k * (steps - 1)) / (count - 1))))];
}
