// Shapes-world training batches as tensors: images in [-1, 1] and prompt token ids.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Rng } from '../rng.js';
import { imagesToTensor } from '../image-tensor.js';
import { sampleTrainingBatch, type TrainingSampleOptions } from './dataset.js';
import { tokenize, MAX_TOKENS } from './vocab.js';
import { groundingTargets, type GroundingArrays } from './grounding.js';

/** Prompts → int64 token ids [B, MAX_TOKENS] (0 = pad). */
export function tokenizePrompts(prompts: readonly string[]): Tensor {
  const ids = new Int32Array(prompts.length * MAX_TOKENS);
  prompts.forEach((p, i) => ids.set(tokenize(p, { strict: true }), i * MAX_TOKENS));
  return torch.scope(() => torch.fromTypedArray(ids, [prompts.length, MAX_TOKENS]).long());
}

export interface ShapesTensorBatch {
  /** [B, 3, 32, 32] in [-1, 1]. */
  images: Tensor;
  /** [B, MAX_TOKENS] int64; all-pad rows are the null prompt. */
  tokens: Tensor;
  prompts: string[];
  /** The noun tokens' grounding targets (./grounding.ts), when asked for. */
  grounding?: GroundingArrays;
}

/**
 * B training examples; each prompt is replaced by the null (all-pad) prompt with probability `condDropout`,
 * which is how one network learns both the conditional and the unconditional model for CFG
 * (Ho & Salimans, arXiv 2207.12598, §3.2).
 */
export function shapesTensorBatch(
  rng: Rng,
  batchSize: number,
  opts: Partial<TrainingSampleOptions> & { condDropout?: number; grounding?: boolean } = {},
): ShapesTensorBatch {
  const examples = sampleTrainingBatch(rng, batchSize, opts);
  const ids = new Int32Array(batchSize * MAX_TOKENS);
  const dropped: boolean[] = [];
  const prompts = examples.map((ex, i) => {
    dropped.push(rng.uniform() < (opts.condDropout ?? 0));
    if (dropped[i]) return '';
    ids.set(tokenize(ex.prompt.text, { strict: true }), i * MAX_TOKENS);
    return ex.prompt.text;
  });
  const batch: ShapesTensorBatch = torch.scope(() => ({
    images: imagesToTensor(examples.map((ex) => ex.image)),
    tokens: torch.fromTypedArray(ids, [batchSize, MAX_TOKENS]).long(),
    prompts,
  }));
  if (opts.grounding === true) {
    const [h, w] = batch.images.shape.slice(2) as [number, number];
    batch.grounding = groundingTargets(examples, ids, dropped, w, h);
  }
  return batch;
}
