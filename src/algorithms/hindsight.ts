// Hindsight relabelling in a likelihood-free update (HER, Andrychowicz et al., arXiv 1707.01495): the reward says,
// per sample, which prompt the image satisfies instead of its own (RewardResult.hindsight, e.g.
// eval/shapes/hindsight.ts); the sample is then trained a second time under that prompt as a success. DiffusionNFT
// and AWM need only (x₀, condition, weight) per sample — no likelihood of the sampler that drew it — so an image
// drawn for one prompt is a valid forward-process training point for another.
//
// Which relabels are used: those the run's prompt source admits (a relabel never trains a held-out combination the
// run excludes), at most `max` per iteration, in sample order (a function of the draw, so resume is exact).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { SHAPES_VOCABULARY } from '../data/shapes/vocab.js';
import type { WordVocabulary } from '../data/vocabulary.js';
import { defaultConditioningOps } from '../generate/conditioning.js';
import type { ImagePolicy, PolicyCondition } from '../models/index.js';
import type { RewardResult } from '../rewards/types.js';
import type { PromptSource } from './algorithm.js';

/**
 * Per sample, the relabelled prompt's text to train on, or null: the reward's hindsight prompts that `source`
 * admits, the first `max` of them. Throws when the reward returned none (it was not asked to relabel).
 */
export function admittedRelabels(scored: RewardResult, source: PromptSource, max: number, where: string): (string | null)[] {
  if (scored.hindsight === undefined) {
    throw new Error(
      `refract train: ${where}.hindsight needs a reward that relabels, got ${scored.meta.name} without hindsight prompts — ` +
        'set options.hindsight: true on the shapes_gold reward, or remove the hindsight section',
    );
  }
  let taken = 0;
  return scored.hindsight.map((h) => {
    if (h === null || taken >= max || source.admits?.(h) === false) return null;
    taken++;
    return h.text;
  });
}

/**
 * Paired hindsight: the optimality probability of each relabelled sample under the prompt it was *asked* becomes at
 * most 1 − r_h, the mirror of the r_h it gets under the prompt it shows. A model whose output barely depends on the
 * words that differ ("left of" vs "above") would otherwise read the relabel as "this image is good" for both
 * prompts — reinforcing its own failure; paired, the prompt-independent parts of the two updates cancel (NFT's
 * gradient at θ = θ_old is ∝ r − ½, nft/loss.ts) and what is left is the contrast on those words.
 */
export function pairedOptimality(r: Tensor, relabels: readonly (string | null)[], relabelledR: number): Tensor {
  const cap = relabels.map((t) => (t === null ? 1 : 1 - relabelledR));
  return r.minimum(torch.tensor(cap, { dtype: r.dtype }));
}

/** A batch of clean samples the update trains on, with one optimality weight (or advantage) per sample. */
export interface WeightedSamples {
  x0: Tensor;
  cond: PolicyCondition;
  uncond?: PolicyCondition;
  weight: Tensor;
}

/**
 * `batch` followed by the relabelled samples: x₀ of sample i of `rolloutX0` again, under relabels[i]'s condition
 * (encoded by `policy` without grad, as rollouts encode theirs), with `weight` each. `batch` unchanged when none.
 */
export function withRelabelledSamples(
  batch: WeightedSamples,
  rolloutX0: Tensor,
  relabels: readonly (string | null)[],
  weight: number,
  policy: Pick<ImagePolicy, 'encode' | 'encodeNull'>,
  vocabulary: WordVocabulary | undefined,
): WeightedSamples {
  const index = relabels.flatMap((t, i) => (t === null ? [] : [i]));
  if (index.length === 0) return batch;
  const texts = index.map((i) => relabels[i]!);
  const v = vocabulary ?? SHAPES_VOCABULARY;
  const ops = defaultConditioningOps<PolicyCondition>();
  const extra = torch.noGrad(() => ({
    x0: rolloutX0.indexSelect(0, torch.tensor(index, { dtype: 'int64' })),
    cond: policy.encode(v.tokenizeBatch(texts)),
    uncond: batch.uncond === undefined ? undefined : policy.encodeNull(texts.length, v.maxTokens),
  }));
  const out: WeightedSamples = {
    x0: torch.cat([batch.x0, extra.x0], 0),
    cond: ops.cat([batch.cond, extra.cond]),
    weight: torch.cat([batch.weight, torch.full([index.length], weight, { dtype: batch.weight.dtype })], 0),
  };
  if (batch.uncond !== undefined) out.uncond = ops.cat([batch.uncond, extra.uncond!]);
  return out;
}
