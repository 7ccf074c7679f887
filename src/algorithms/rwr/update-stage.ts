// RWR stage 4 — update: `innerEpochs` optimizer steps, each on the objective over the whole batch at fresh noised
// times (per-sample generators, so the draw does not depend on the minibatch split):
//   J(θ) = Σ_i w_i·L_i(θ) + β·(1/B)·Σ_i anchor_i(θ)        (weights sum to 1; loss.ts for the terms)
// Gradients accumulate over minibatches; the norm is clipped; AdamW steps once per epoch.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import { clippedGradNorm } from '../data-parallel.js';
import { defaultConditioningOps } from '../../generate/conditioning.js';
import { deriveSeed } from '../../data/rng.js';
import type { PolicyCondition, ImagePolicy } from '../../models/index.js';
import { drawNoisedTimes, rwrLossTerms } from './loss.js';
import type { RwrSettings } from './config.js';
import type { ReferenceModel } from '../algorithm.js';

export interface RwrUpdateInput {
  policy: ImagePolicy;
  reference: ReferenceModel;
  optimizer: AdamW;
  /** The policy's samples x₀ [B, …] in the data range [−1, 1]. */
  samples: Tensor;
  cond: PolicyCondition;
  /** Normalised weights w_i, sum 1. */
  weights: readonly number[];
  settings: Readonly<RwrSettings>;
  iteration: number;
  /** Index of samples[0] in the iteration's full draw (data parallel; 0 in one process). */
  firstSample?: number;
  /**
   * Ranks sharing the iteration (data parallel; 1 in one process). The weights of all ranks sum to 1 and the loss is
   * their weighted sum, not a mean, so each rank scales its part by this before the gradients are averaged.
   */
  ranks?: number;
}

export interface RwrUpdateDiagnostics {
  /** J of each epoch, averaged. */
  loss: number;
  /** Σ_i w_i·L_i, averaged over epochs. */
  weightedFlowMatching: number;
  /** Unweighted mean L_i (the pretraining loss on the policy's own samples), averaged over epochs. */
  meanFlowMatching: number;
  /** mean_i anchor_i at the first epoch, before any update (NaN when neither β > 0 nor monitorKl). */
  anchorBeforeUpdate: number;
  gradNorm: number;
  optimizerSteps: number;
  skippedSteps: number;
}

export function rwrUpdateStage(input: RwrUpdateInput): RwrUpdateDiagnostics {
  const { policy, optimizer, samples, settings: s } = input;
  const B = samples.shape[0]!;
  const beta = s.referenceCoefficient;
  const withReference = beta > 0 || s.monitorKl;
  const ranks = input.ranks ?? 1;
  const ops = defaultConditioningOps<PolicyCondition>();
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const acc = { loss: 0, weighted: 0, mean: 0, gradNorm: 0, steps: 0, skipped: 0 };
  let anchorBeforeUpdate = NaN;
  for (let epoch = 0; epoch < s.innerEpochs; epoch++) {
    optimizer.zeroGrad();
    const epochSum = { loss: 0, weighted: 0, mean: 0, anchor: 0 };
    let finite = true;
    for (let start = 0; start < B; start += s.minibatchSize) {
      const end = Math.min(B, start + s.minibatchSize);
      const gens = Array.from({ length: end - start }, (_, k) => new torch.Generator(deriveSeed(s.seed, input.iteration, 4, epoch, (input.firstSample ?? 0) + start + k)));
      try {
        torch.scope(() => {
          const x0 = samples.narrow(0, start, end - start);
          const { noise, sigma } = drawNoisedTimes(x0, gens, s.sigmaSampling);
          const terms = rwrLossTerms(policy.denoiser(), withReference ? input.reference.denoiser() : null, x0, ops.slice(input.cond, start, end), noise, sigma);
          const w = torch.tensor(input.weights.slice(start, end), { dtype: x0.dtype });
          const weighted = terms.flowMatching.mul(w).sum(); // Σ_{i∈mb} w_i·L_i
          const anchorSum = terms.anchor ? terms.anchor.sum() : torch.zeros([]);
          const share = ranks > 1 ? weighted.mul(ranks) : weighted; // averaged over the ranks again: Σ over all samples
          const loss = beta > 0 ? share.add(anchorSum.mul(beta / B)) : share; // + β·(1/B)·Σ anchor_i
          const value = loss.item();
          if (!Number.isFinite(value)) {
            finite = false;
            return;
          }
          if (finite) loss.backward();
          epochSum.loss += value;
          epochSum.weighted += weighted.item();
          epochSum.mean += terms.flowMatching.sum().item() / B;
          epochSum.anchor += anchorSum.item() / B;
        });
      } finally {
        for (const g of gens) g.dispose();
      }
    }
    if (epoch === 0 && withReference) anchorBeforeUpdate = epochSum.anchor;
    const gn = clippedGradNorm(optimizer, params, s.gradClip, finite);
    if (Number.isFinite(gn)) {
      optimizer.step();
      acc.gradNorm += gn;
      acc.steps++;
      acc.loss += epochSum.loss;
      acc.weighted += epochSum.weighted;
      acc.mean += epochSum.mean;
    } else {
      acc.skipped++;
    }
    optimizer.zeroGrad();
  }
  const n = Math.max(1, acc.steps);
  return {
    loss: acc.steps > 0 ? acc.loss / n : NaN,
    weightedFlowMatching: acc.steps > 0 ? acc.weighted / n : NaN,
    meanFlowMatching: acc.steps > 0 ? acc.mean / n : NaN,
    anchorBeforeUpdate,
    gradNorm: acc.steps > 0 ? acc.gradNorm / n : NaN,
    optimizerSteps: acc.steps,
    skippedSteps: acc.skipped,
  };
}
