// One optimizer step on a loss that is a mean over N points, computed in minibatches: each minibatch's
// Σ_{p∈mb} ℓ_p / N is back-propagated (so the gradients sum to ∇ mean_p ℓ_p, whatever the split), the norm is
// clipped, AdamW steps. A non-finite minibatch loss or gradient norm skips the step (the loop's NaN/Inf policy
// counts it) and leaves the weights as they were. Shared by DiffusionNFT and AWM (RWR's update does the same).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { AdamW } from '../torch/optim/index.js';
import { clippedGradNorm } from './data-parallel.js';

export interface MinibatchLoss {
  /** ℓ_p of the minibatch's points, [n], with grad. */
  perPoint: Tensor;
  /** Numbers to sum over all points for the log (each already summed over this minibatch). */
  sums: Record<string, number>;
}

export interface AccumulatedStep {
  /** mean_p ℓ_p (NaN when a minibatch was not finite). */
  loss: number;
  /** Clipped-from norm of the summed gradient (NaN when skipped). */
  gradNorm: number;
  stepped: boolean;
  /** Each `sums` key summed over all points. */
  sums: Record<string, number>;
}

/** Points [first, first + count) — all of them by default — in minibatches; `lossOf` takes absolute indices. */
export function accumulatedStep(
  optimizer: AdamW,
  count: number,
  minibatchSize: number,
  gradClip: number,
  lossOf: (start: number, end: number) => MinibatchLoss,
  first = 0,
): AccumulatedStep {
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const sums: Record<string, number> = {};
  let total = 0;
  optimizer.zeroGrad();
  for (let start = first; start < first + count && Number.isFinite(total); start += minibatchSize) {
    torch.scope(() => {
      const mb = lossOf(start, Math.min(first + count, start + minibatchSize));
      const loss = mb.perPoint.sum().div(count); // Σ_{p∈mb} ℓ_p / N
      const value = loss.item();
      total += value;
      if (!Number.isFinite(value)) return;
      loss.backward();
      for (const [k, v] of Object.entries(mb.sums)) sums[k] = (sums[k] ?? 0) + v;
    });
  }
  const gradNorm = clippedGradNorm(optimizer, params, gradClip, Number.isFinite(total));
  const stepped = Number.isFinite(gradNorm);
  if (stepped) optimizer.step();
  optimizer.zeroGrad();
  return { loss: stepped ? total : NaN, gradNorm: stepped ? gradNorm : NaN, stepped, sums };
}

export interface EpochsSummary {
  /** mean over the optimizer steps taken of mean_p ℓ_p, and of the gradient norm (NaN when none). */
  loss: number;
  gradNorm: number;
  optimizerSteps: number;
  skippedSteps: number;
  /** The first epoch's sums (at θ_old, before any step when an epoch is one step) and the later epochs' added up. */
  firstSums: Record<string, number>;
  laterSums: Record<string, number>;
}

/**
 * `epochs` epochs of `stepsPerEpoch` accumulated steps each (`stepOf(epoch, chunk)`: chunk j of the epoch's points);
 * with `stopAfterFirstSkip` a skipped first step ends the update (what the first epoch records, e.g. AWM's ℓ_old,
 * may be incomplete).
 */
export function runEpochs(epochs: number, stepOf: (epoch: number, chunk: number) => AccumulatedStep, stopAfterFirstSkip = false, stepsPerEpoch = 1): EpochsSummary {
  const s: EpochsSummary = { loss: 0, gradNorm: 0, optimizerSteps: 0, skippedSteps: 0, firstSums: {}, laterSums: {} };
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let chunk = 0; chunk < stepsPerEpoch; chunk++) {
      const step = stepOf(epoch, chunk);
      const into = epoch === 0 ? s.firstSums : s.laterSums;
      for (const [k, v] of Object.entries(step.sums)) into[k] = (into[k] ?? 0) + v;
      if (!step.stepped) {
        s.skippedSteps++;
        if (epoch === 0 && chunk === 0 && stopAfterFirstSkip) return summary(s);
        continue;
      }
      s.loss += step.loss;
      s.gradNorm += step.gradNorm;
      s.optimizerSteps++;
    }
  }
  return summary(s);
}

/** Means over the optimizer steps taken. */
function summary(s: EpochsSummary): EpochsSummary {
  const n = s.optimizerSteps;
  return { ...s, loss: n > 0 ? s.loss / n : NaN, gradNorm: n > 0 ? s.gradNorm / n : NaN };
}
