// The statistics of a model batch: [B, 3, H, W] tensors in [−1, 1] (the range models sample in) → RGBImages.
import { tensorToImages } from '../../data/image-tensor.js';
import type { Tensor } from '../../torch/index.js';
import { promptDiversity, DEFAULT_DIVERSITY_POOL, type DiversityResult } from './diversity.js';
import { meanImageStatistics, type ImageStatistics, type ImageStatisticsOptions } from './image-statistics.js';

/** Mean image statistics of a [B, 3, H, W] batch in [−1, 1]. */
export function imageStatisticsOfTensor(images: Tensor, opts: Partial<ImageStatisticsOptions> = {}): ImageStatistics {
  return meanImageStatistics(tensorToImages(images), opts);
}

/** Prompt diversity of a [B, 3, H, W] batch in [−1, 1]; promptKeys[i] names sample i's prompt. */
export function tensorDiversity(images: Tensor, promptKeys: readonly string[], pool = DEFAULT_DIVERSITY_POOL): DiversityResult {
  return promptDiversity(tensorToImages(images), promptKeys, pool);
}
