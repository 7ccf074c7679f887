// Prompt text → images with a prompt-conditioned flow model: tokenize, encode once, sample (with CFG), decode.
// The one place that joins a concrete model (models/), a sampler (generate/) and the testbed's vocabulary (data/).
import * as torch from '../torch/index.js';
import { sampleFlow, type SampleFlowOptions } from '../generate/sample-flow.js';
import type { Trajectory } from '../generate/trajectory.js';
import type { TextToImageModel } from '../models/text-to-image.js';
import type { PromptCondition } from '../models/index.js';
import { MAX_TOKENS } from '../data/shapes/vocab.js';
import { tokenizePrompts } from '../data/shapes/batch.js';
import { tensorToImages } from '../data/image-tensor.js';
import type { RGBImage } from '../data/image.js';

/** A prompt-conditioned image model (its config gives the latent shape). */
export type PromptModel = TextToImageModel;

export interface FlowSamplingOptions {
  steps: number;
  guidance: number;
  shift?: number;
  /** 'ode' for evaluation and sample grids; 'flow_sde' / 'cps' for RL rollouts. */
  sde?: SampleFlowOptions<PromptCondition>['sde'];
  noiseLevel?: number;
  sdeWindow?: readonly [number, number];
}

export const DEFAULT_EVAL_SAMPLING: Readonly<FlowSamplingOptions> = Object.freeze({ steps: 20, guidance: 3, sde: 'ode' });

/**
 * Samples one image per (prompt, seed) pair and returns the trajectory (latents in [-1, 1]). Runs under noGrad;
 * the caller disposes the trajectory's tensors (or uses a scope).
 */
export function rolloutPrompts(
  model: PromptModel,
  prompts: readonly string[],
  seeds: readonly number[],
  o: FlowSamplingOptions,
): Trajectory<PromptCondition> {
  if (prompts.length !== seeds.length) {
    throw new Error(`refract rollout: seeds must hold one seed per prompt (${prompts.length}), got ${seeds.length}`);
  }
  return torch.noGrad(() =>
    torch.scope(() => {
      const tokens = tokenizePrompts(prompts);
      const cond = model.encode(tokens);
      const uncond = o.guidance !== 1 ? model.encodeNull(prompts.length, MAX_TOKENS) : undefined;
      const c = model.config;
      return sampleFlow<PromptCondition>({
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
        shape: [c.unet.inChannels, c.unet.imageSize, c.unet.imageSize],
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
      torch.disposeAll(traj);
    });
  }
  return out;
}
