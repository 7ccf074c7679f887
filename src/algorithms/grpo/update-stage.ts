// GRPO stage 4 — update: replay the trained steps under θ (with grad), clipped surrogate + β·KL to the frozen
// reference, AdamW. Gradients are accumulated over the minibatches of an inner epoch and applied once per epoch,
// as flow_grpo's gradient accumulation over the whole rollout batch does (scripts/train_sd3.py), so every sample
// of the first epoch is scored by the rollout's own weights. Diagnostics include the per-step importance ratio of the first inner epoch, which must be
// 1 ± 1e-5 (replay reproduces the rollout's log-probs; peers report ratios ≠ 1 from batching and precision).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { clipGradNorm_, type AdamW } from '../../torch/optim/index.js';
import { replayLogProbs } from '../../generate/replay.js';
import { sliceTrajectory, catTrajectories } from '../../generate/trajectory.js';
import { stepKl } from '../../generate/step-kl.js';
import { gatherSteps } from '../../credit/step-advantages.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import type { PromptModel } from '../../pipeline/text-to-image.js';
import { clippedPolicyLoss } from '../policy-loss.js';
import type { RolloutBatch } from './rollout-stage.js';
import type { GrpoConfig } from './config.js';

export interface UpdateDiagnostics {
  loss: number;
  policyLoss: number;
  kl: number;
  clipFraction: number;
  approxKl: number;
  gradNorm: number;
  /** Mean and max |ratio − 1| per trained step at the first inner epoch (before any update). */
  firstEpochRatioMean: number[];
  firstEpochRatioMaxDev: number;
  skippedMinibatches: number;
}

export function updateStage(
  policy: PromptModel,
  reference: PromptModel,
  optimizer: AdamW,
  batch: RolloutBatch,
  advantages: Tensor,
  steps: readonly number[],
  config: Readonly<GrpoConfig>,
  iteration: number,
): UpdateDiagnostics {
  const B = batch.prompts.length;
  const rng = new Rng(deriveSeed(config.seed, iteration, 3));
  const acc = { loss: 0, policyLoss: 0, kl: 0, clipFraction: 0, approxKl: 0, gradNorm: 0, n: 0, steps: 0, skipped: 0 };
  let ratioSum: number[] = steps.map(() => 0);
  let ratioMaxDev = 0;
  for (let epoch = 0; epoch < config.innerEpochs; epoch++) {
    const order = rng.shuffle(Array.from({ length: B }, (_, i) => i));
    optimizer.zeroGrad();
    let finite = true;
    for (let start = 0; start < B; start += config.minibatchSize) {
      const idx = order.slice(start, start + config.minibatchSize);
      torch.scope(() => {
        const sub = selectSamples(batch, idx);
        const adv = advantages.indexSelect(0, torch.tensor(idx, { dtype: 'int64' }));
        const replay = replayLogProbs(policy.denoiser(), sub, steps);
        const old = gatherSteps(sub.logProbs, steps);
        const pl = clippedPolicyLoss({ logProbs: replay.logProbs, oldLogProbs: old, advantages: adv, clipRange: config.clipRange });
        let kl = torch.zeros([]);
        if (config.klCoefficient > 0) {
          const ref = torch.noGrad(() => replayLogProbs(reference.denoiser(), sub, steps));
          const perStep = steps.map((_, k) => stepKl(replay.means.select(1, k), ref.means.select(1, k), replay.stdDevs.select(1, k)));
          kl = torch.stack(perStep, 1).mean();
        }
        const loss = pl.loss.add(kl.mul(config.klCoefficient));
        if (epoch === 0) {
          const r = pl.ratio.mean(0).toArray();
          ratioSum = ratioSum.map((s, k) => s + r[k]! * idx.length);
          ratioMaxDev = Math.max(ratioMaxDev, pl.ratio.sub(1).abs().max().item());
        }
        const lossValue = loss.item();
        if (!Number.isFinite(lossValue)) {
          finite = false;
          acc.skipped++;
          return;
        }
        loss.mul(idx.length / B).backward(); // the epoch's gradient is that of the mean over all B samples
        acc.loss += lossValue;
        acc.policyLoss += pl.loss.item();
        acc.kl += kl.item();
        acc.clipFraction += pl.clipFraction;
        acc.approxKl += pl.approxKl;
        acc.n++;
      });
    }
    const gn = finite ? clipGradNorm_(policy.parameters(), config.gradClip) : NaN;
    if (Number.isFinite(gn)) {
      optimizer.step();
      acc.gradNorm += gn;
      acc.steps++;
    } else {
      optimizer.zeroGrad(); // a non-finite loss or gradient skips this epoch's update (counted)
    }
  }
  const n = Math.max(1, acc.n);
  return {
    loss: acc.loss / n,
    policyLoss: acc.policyLoss / n,
    kl: acc.kl / n,
    clipFraction: acc.clipFraction / n,
    approxKl: acc.approxKl / n,
    gradNorm: acc.gradNorm / Math.max(1, acc.steps),
    firstEpochRatioMean: ratioSum.map((s) => s / B),
    firstEpochRatioMaxDev: ratioMaxDev,
    skippedMinibatches: acc.skipped,
  };
}

/** The trajectory of the samples `idx` (any order), as one batch. */
function selectSamples(batch: RolloutBatch, idx: readonly number[]): RolloutBatch['trajectory'] {
  const parts = idx.map((i) => sliceTrajectory(batch.trajectory, i, i + 1));
  return parts.length === 1 ? parts[0]! : catTrajectories(parts);
}
