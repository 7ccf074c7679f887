// Prompt text → clips with a TextToVideoModel: the video counterpart of generateImages (text-to-image.ts), sharing
// its rollout (tokenize, encode once, sample with CFG); only the decoding of [B, C, F, H, W] into frames differs.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { TextToVideoModel } from '../models/text-to-video.js';
import { tensorToImages } from '../data/image-tensor.js';
import type { RGBImage } from '../data/image.js';
import { rolloutPrompts, type FlowSamplingOptions } from './text-to-image.js';

/** [B, C, F, H, W] in [−1, 1] → B clips of F images in [0, 1]. */
export function tensorToClips(x: Tensor): RGBImage[][] {
  if (x.ndim !== 5) throw new Error(`refract tensorToClips: x must be [B, C, F, H, W], got [${x.shape.join(', ')}]`);
  const [B, C, F, H, W] = x.shape as [number, number, number, number, number];
  const frames = torch.scope(() => tensorToImages(x.permute(0, 2, 1, 3, 4).reshape(B * F, C, H, W)));
  return Array.from({ length: B }, (_, i) => frames.slice(i * F, (i + 1) * F));
}

/** Prompts → clips (one per prompt), in batches of `batchSize`. Seeds default to 0..n−1 offset by `seed`. */
export function generateClips(
  model: TextToVideoModel,
  prompts: readonly string[],
  o: FlowSamplingOptions & { seed?: number; batchSize?: number; seeds?: readonly number[] },
): RGBImage[][] {
  const seeds = o.seeds ?? prompts.map((_, i) => (o.seed ?? 0) * 100_003 + i);
  const bs = o.batchSize ?? 16;
  const out: RGBImage[][] = [];
  for (let s = 0; s < prompts.length; s += bs) {
    torch.scope(() => {
      const traj = rolloutPrompts(model, prompts.slice(s, s + bs), seeds.slice(s, s + bs), {
        ...o,
        sde: o.sde ?? 'ode',
      });
      out.push(...tensorToClips(traj.finalSample));
      torch.disposeAll(traj);
    });
  }
  return out;
}
