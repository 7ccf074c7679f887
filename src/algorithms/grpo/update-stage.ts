// GRPO stage 4 — update: replay the trained steps under θ (with grad), clipped surrogate + β·KL to the frozen
// reference, AdamW. Gradients are accumulated over the minibatches of an inner epoch and applied once per epoch,
// as flow_grpo's gradient accumulation over the whole rollout batch does (scripts/train_sd3.py), so every sample
// of the first epoch is scored by the rollout's own weights. Diagnostics include the per-step importance ratio of the first inner epoch, which must be
// 1 ± 1e-5 (replay reproduces the rollout's log-probs; peers report ratios ≠ 1 from batching and precision).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import { clippedGradNorm } from '../data-parallel.js';
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
): UpdateDiagnostics {
  const B = batch.prompts.length;
  const rng = new Rng(deriveSeed(config.seed, iteration, 3));
  const acc = { loss: 0, policyLoss: 0, kl: 0, clipFraction: 0, approxKl: 0, gradNorm: 0, n: 0, steps: 0, skipped: 0 };
  let ratioSum: number[] = steps.map(() => 0);
  let ratioMaxDev = 0;
  const dense = advantages.ndim > 1;
  const oldDensities = new Map<number, Tensor>(); // sample → ℓ_old,e [K, ...latent], dense credit only
  const updates = Math.max(1, Math.min(config.updatesPerEpoch, Math.ceil(B / config.minibatchSize)));
  if (dense && (updates > 1 || config.innerEpochs > 1)) {
    // Later groups and epochs see θ ≠ θ_old: take the rollout policy's per-element densities before any update.
    for (let start = 0; start < B; start += config.minibatchSize) {
      const idx = Array.from({ length: Math.min(config.minibatchSize, B - start) }, (_, r) => start + r);
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
    const order = rng.shuffle(Array.from({ length: B }, (_, i) => i));
    // The epoch's samples are split into `updates` accumulation groups, one optimizer step each (flow_grpo takes
    // two per epoch); only the first group of the first epoch sees θ = θ_old, so only it checks the ratio.
    const perUpdate = Math.ceil(B / updates);
    for (let u = 0; u < updates; u++) {
      const group = order.slice(u * perUpdate, (u + 1) * perUpdate);
      const G = group.length;
      if (G === 0) continue;
      optimizer.zeroGrad();
      let finite = true;
      for (let start = 0; start < G; start += config.minibatchSize) {
        const idx = group.slice(start, start + config.minibatchSize);
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
            finite = false;
            acc.skipped++;
            return;
          }
          loss.mul(idx.length / G).backward(); // the update's gradient is that of the mean over its G samples
          acc.loss += lossValue;
          acc.policyLoss += surrogate.item();
          acc.kl += kl.item();
          acc.clipFraction += pl.clipFraction;
          acc.approxKl += pl.approxKl;
          acc.n++;
        });
      }
      const gn = clippedGradNorm(optimizer, policy.parameters(), config.gradClip, finite);
      if (Number.isFinite(gn)) {
        optimizer.step();
        acc.gradNorm += gn;
        acc.steps++;
      } else {
        optimizer.zeroGrad(); // a non-finite loss or gradient skips this update (counted)
      }
    }
  }
  for (const t of oldDensities.values()) t.dispose();
  const n = Math.max(1, acc.n);
  return {
    loss: acc.loss / n,
    policyLoss: acc.policyLoss / n,
    kl: acc.kl / n,
    clipFraction: acc.clipFraction / n,
    approxKl: acc.approxKl / n,
    gradNorm: acc.gradNorm / Math.max(1, acc.steps),
    firstEpochRatioMean: ratioSum.map((s) => s / Math.min(B, Math.ceil(B / updates))),
    firstEpochRatioMaxDev: ratioMaxDev,
    skippedMinibatches: acc.skipped,
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
