// GRPO stage 4 — update: replay the trained steps under θ (with grad), clipped surrogate + β·KL to the frozen
// reference, AdamW. Gradients are accumulated over the minibatches of an inner epoch and applied once per epoch,
// as flow_grpo's gradient accumulation over the whole rollout batch does (scripts/train_sd3.py), so every sample
// of the first epoch is scored by the rollout's own weights. Diagnostics include the per-step importance ratio of the first inner epoch, which must be
// 1 ± 1e-5 (replay reproduces the rollout's log-probs; peers report ratios ≠ 1 from batching and precision).
// The shuffle, the split into optimizer steps and the weights are over the iteration's trained samples by global
// index (train-share.ts): under data parallelism each rank replays the members of each step it holds, weighted
// ranks·1/G, so the averaged gradient of every step is the single process's — whatever the ranks hold (GRPO's
// skipped zero-variance groups leave unequal shares) and however many steps an epoch takes.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import { maxOverRanks, sumOverRanks } from '../data-parallel.js';
import { allTrained, epochSteps, shareWeight, stepOnShare, trainShare, type TrainShare } from '../train-share.js';
import { replayLogProbs } from '../../generate/replay.js';
import { sliceTrajectory, catTrajectories } from '../../generate/trajectory.js';
import { stepKl } from '../../generate/step-kl.js';
import { gatherSteps } from '../../credit/step-advantages.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import type { PromptModel } from '../../pipeline/text-to-image.js';
import type { ReferenceModel } from '../algorithm.js';
import { gaussianLogDensity } from '../../generate/gaussian-log-prob.js';
import { clippedPolicyLoss, denseClippedPolicyLoss } from '../policy-loss.js';
import type { RolloutBatch } from './rollout-stage.js';
import type { GrpoSettings } from './config.js';

export type { TrainShare } from '../train-share.js';

export interface UpdateDiagnostics {
  loss: number;
  policyLoss: number;
  kl: number;
  clipFraction: number;
  approxKl: number;
  gradNorm: number;
  /** Mean and max |ratio − 1| per trained step before the iteration's first update (first group, first epoch). */
  firstEpochRatioMean: number[];
  firstEpochRatioMaxDev: number;
  skippedMinibatches: number;
}

/**
 * `advantages` is [B] (one advantage per sample, Flow-GRPO) or per element, [B, 1, H, W] aligned to the latent
 * (credit/dense.ts `denseAdvantages` + `alignDense`): then the surrogate is taken per element
 * (denseClippedPolicyLoss) with the rollout policy's per-element log-densities captured at the first inner epoch,
 * where θ = θ_old (the ratio diagnostics check it).
 */
export function updateStage(
  policy: PromptModel,
  reference: ReferenceModel,
  optimizer: AdamW,
  batch: RolloutBatch,
  advantages: Tensor,
  steps: readonly number[],
  config: Readonly<GrpoSettings>,
  iteration: number,
  share?: TrainShare,
): UpdateDiagnostics {
  const own = share ?? trainShare(allTrained(batch.prompts.length), batch.prompts.length);
  const B = own.total; // the trained samples, over all ranks
  const rng = new Rng(deriveSeed(config.seed, iteration, 3));
  const acc = { loss: 0, policyLoss: 0, kl: 0, clipFraction: 0, approxKl: 0, gradNorm: 0, n: 0, steps: 0, skipped: 0 };
  let ratioSum: number[] = steps.map(() => 0);
  let ratioMaxDev = 0;
  const dense = advantages.ndim > 1;
  const oldDensities = new Map<number, Tensor>(); // row → ℓ_old,e [K, ...latent], dense credit only
  const updates = Math.max(1, Math.min(config.updatesPerEpoch, Math.ceil(B / config.minibatchSize)));
  if (dense && (updates > 1 || config.innerEpochs > 1)) {
    // Later groups and epochs see θ ≠ θ_old: take the rollout policy's per-element densities before any update.
    const rows = [...own.rowOf.values()].sort((a, b) => a - b);
    for (let start = 0; start < rows.length; start += config.minibatchSize) {
      const idx = rows.slice(start, start + config.minibatchSize);
      torch.noGrad(() =>
        torch.scope(() => {
          const sub = selectSamples(batch, idx);
          const ell = perElementLogDensities(policy, sub, steps);
          idx.forEach((i, r) => oldDensities.set(i, torch.keep(ell.select(0, r).clone())));
        }),
      );
    }
  }
  for (let epoch = 0; epoch < config.innerEpochs; epoch++) {
    // The epoch's samples are split into `updates` accumulation groups, one optimizer step each (flow_grpo takes
    // two per epoch); only the first group of the first epoch sees θ = θ_old, so only it checks the ratio.
    epochSteps(own, rng, Math.ceil(B / updates)).forEach((step, u) => {
      const gn = stepOnShare(optimizer, policy.parameters(), config.gradClip, step.rows, config.minibatchSize, (idx) =>
        torch.scope(() => {
          const sub = selectSamples(batch, idx);
          const adv = advantages.indexSelect(0, torch.tensor(idx, { dtype: 'int64' }));
          const replay = replayLogProbs(policy.denoiser(), sub, steps);
          const old = gatherSteps(sub.logProbs, steps);
          const scalarAdv = dense ? adv.mean(Array.from({ length: adv.ndim - 1 }, (_, d) => d + 1)) : adv;
          const pl = clippedPolicyLoss({
            logProbs: replay.logProbs,
            oldLogProbs: old,
            advantages: scalarAdv,
            clipRange: config.clipRange,
          });
          let surrogate = pl.loss;
          if (dense) {
            const ell = elementLogDensities(sub, replay, steps); // ℓ_θ,e
            if (!oldDensities.has(idx[0]!))
              idx.forEach((i, r) => oldDensities.set(i, torch.keep(ell.select(0, r).detach().clone())));
            const ellOld = torch.stack(
              idx.map((i) => oldDensities.get(i)!),
              0,
            );
            const d = denseClippedPolicyLoss({
              logDensities: ell,
              oldLogDensities: ellOld,
              advantages: adv,
              clipRange: config.clipRange,
            });
            surrogate = d.loss;
          }
          let kl = torch.zeros([]);
          if (config.klCoefficient > 0) {
            const ref = torch.noGrad(() => replayLogProbs(reference.denoiser(), sub, steps));
            const perStep = steps.map((_, k) =>
              stepKl(replay.means.select(1, k), ref.means.select(1, k), replay.stdDevs.select(1, k)),
            );
            kl = torch.stack(perStep, 1).mean();
          }
          const loss = surrogate.add(kl.mul(config.klCoefficient));
          if (epoch === 0 && u === 0) {
            const r = pl.ratio.mean(0).toArray();
            ratioSum = ratioSum.map((s, k) => s + r[k]! * idx.length);
            ratioMaxDev = Math.max(ratioMaxDev, pl.ratio.sub(1).abs().max().item());
          }
          const lossValue = loss.item();
          if (!Number.isFinite(lossValue)) {
            acc.skipped++;
            return false;
          }
          // the update's gradient is that of the mean over the step's samples (train-share.ts)
          loss.mul(shareWeight(own, step, idx.length)).backward();
          const n = idx.length; // the log's means are over samples, so partial sums add up across ranks
          acc.loss += lossValue * n;
          acc.policyLoss += surrogate.item() * n;
          acc.kl += kl.item() * n;
          acc.clipFraction += pl.clipFraction * n;
          acc.approxKl += pl.approxKl * n;
          acc.n += n;
          return true;
        }),
      );
      if (Number.isFinite(gn)) {
        acc.gradNorm += gn;
        acc.steps++;
      } // else a non-finite loss or gradient skipped this update (counted)
    });
  }
  for (const t of oldDensities.values()) t.dispose();
  const dp = own.dataParallel;
  const [loss, policyLoss, kl, clipFraction, approxKl, n, skipped, ...ratios] = sumOverRanks(
    [acc.loss, acc.policyLoss, acc.kl, acc.clipFraction, acc.approxKl, acc.n, acc.skipped, ...ratioSum],
    dp,
  );
  const per = Math.max(1, n!);
  return {
    loss: loss! / per,
    policyLoss: policyLoss! / per,
    kl: kl! / per,
    clipFraction: clipFraction! / per,
    approxKl: approxKl! / per,
    gradNorm: acc.gradNorm / Math.max(1, acc.steps),
    firstEpochRatioMean: ratios.map((s) => s / Math.min(B, Math.ceil(B / updates))),
    firstEpochRatioMaxDev: maxOverRanks([ratioMaxDev], dp)[0]!,
    skippedMinibatches: skipped!,
  };
}

/** The trajectory of the samples `idx` (any order), as one batch. */
function selectSamples(batch: RolloutBatch, idx: readonly number[]): RolloutBatch['trajectory'] {
  const parts = idx.map((i) => sliceTrajectory(batch.trajectory, i, i + 1));
  return parts.length === 1 ? parts[0]! : catTrajectories(parts);
}

/** Per-element log N(x_{i+1}; μ_θ, s²) of the trained steps, [B, K, ...latent] (generate/gaussian-log-prob.ts). */
function elementLogDensities(
  sub: RolloutBatch['trajectory'],
  replay: ReturnType<typeof replayLogProbs>,
  steps: readonly number[],
): Tensor {
  const next = gatherSteps(
    sub.latents!,
    steps.map((s) => s + 1),
  ); // recorded x_{i+1}
  const std = replay.transitionStds.reshape([...replay.transitionStds.shape, ...next.shape.slice(2).map(() => 1)]);
  return gaussianLogDensity(next, replay.means, std);
}

function perElementLogDensities(
  policy: PromptModel,
  sub: RolloutBatch['trajectory'],
  steps: readonly number[],
): Tensor {
  return elementLogDensities(sub, replayLogProbs(policy.denoiser(), sub, steps), steps);
}
