// Reading a RewardBatch: its size, its samples as RGBImages or as a [−1, 1] tensor, its clips as frames, and
// sub-batches (the cache scores only its misses). Every check names the field and says how to fix it.
import { assertImage, type RGBImage } from '../data/image.js';
import { imagesToTensor, tensorToImages } from '../data/image-tensor.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { RewardBatch } from './types.js';

/** B = the number of prompts; every sample field present must have B entries. */
export function batchSize(batch: RewardBatch, where = 'reward'): number {
  const B = batch.prompts.length;
  const check = (what: string, n: number | undefined): void => {
    if (n !== undefined && n !== B) {
      throw new Error(
        `refract ${where}: batch.${what} must hold one sample per prompt (${B}), got ${n} — pass one prompt per sample`,
      );
    }
  };
  check('images', batch.images?.shape[0]);
  check('rgb', batch.rgb?.length);
  check('clips', batch.clips?.shape[0]);
  check('clipFrames', batch.clipFrames?.length);
  return B;
}

/** The samples as CHW [0, 1] images (converted from `images` when `rgb` is absent). */
export function batchImages(batch: RewardBatch, where = 'reward'): RGBImage[] {
  batchSize(batch, where);
  if (batch.rgb !== undefined) {
    batch.rgb.forEach((img, i) => assertImage(img, `batch.rgb[${i}]`));
    return [...batch.rgb];
  }
  if (batch.images !== undefined) return tensorToImages(batch.images);
  throw new Error(`refract ${where}: batch must carry images (a [B, 3, H, W] tensor or rgb), got neither`);
}

/** The samples as a new [B, 3, H, W] tensor in [−1, 1], detached; the caller disposes it. */
export function batchImageTensor(batch: RewardBatch, where = 'reward'): Tensor {
  batchSize(batch, where);
  if (batch.images !== undefined) {
    const s = batch.images.shape;
    if (s.length !== 4 || s[1] !== 3) {
      throw new Error(`refract ${where}: batch.images must be [B, 3, H, W], got [${s.join(', ')}]`);
    }
    return torch.scope(() => batch.images!.detach().float().contiguous().clone());
  }
  if (batch.rgb !== undefined) return imagesToTensor(batch.rgb);
  throw new Error(`refract ${where}: batch must carry images (a [B, 3, H, W] tensor or rgb), got neither`);
}

/** The clips as frames (converted from `clips` [B, C, F, H, W] in [−1, 1] when `clipFrames` is absent). */
export function batchClips(batch: RewardBatch, where = 'reward'): RGBImage[][] {
  batchSize(batch, where);
  if (batch.clipFrames !== undefined) return batch.clipFrames.map((f) => [...f]);
  const x = batch.clips;
  if (x === undefined) {
    throw new Error(`refract ${where}: batch must carry clips (a [B, C, F, H, W] tensor or clipFrames), got neither`);
  }
  const s = x.shape;
  if (s.length !== 5 || s[1] !== 3) {
    throw new Error(`refract ${where}: batch.clips must be [B, 3, F, H, W], got [${s.join(', ')}]`);
  }
  const [B, , F, H, W] = s as [number, number, number, number, number];
  // [B, C, F, H, W] → [B·F, C, H, W] so each frame converts like an image.
  const frames = torch.scope(() => tensorToImages(x.permute(0, 2, 1, 3, 4).reshape(B * F, 3, H, W)));
  return Array.from({ length: B }, (_, b) => frames.slice(b * F, (b + 1) * F));
}

/** The sub-batch of samples `idx` (tensors are index-selected copies; the caller disposes them). */
export function selectBatch(batch: RewardBatch, idx: readonly number[]): RewardBatch {
  const out: RewardBatch = { prompts: idx.map((i) => batch.prompts[i]!) };
  const pick = (t: Tensor): Tensor =>
    torch.scope(() => t.indexSelect(0, torch.fromTypedArray(Int32Array.from(idx), [idx.length]).long()));
  if (batch.images !== undefined) out.images = pick(batch.images);
  if (batch.rgb !== undefined) out.rgb = idx.map((i) => batch.rgb![i]!);
  if (batch.clips !== undefined) out.clips = pick(batch.clips);
  if (batch.clipFrames !== undefined) out.clipFrames = idx.map((i) => batch.clipFrames![i]!);
  if (batch.metadata !== undefined) out.metadata = batch.metadata;
  return out;
}

/** Disposes the tensors a `selectBatch` made. */
export function disposeBatch(batch: RewardBatch): void {
  batch.images?.dispose();
  batch.clips?.dispose();
}
