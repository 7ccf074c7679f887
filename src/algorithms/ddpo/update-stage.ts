// DDPO stage 4 — update (Black et al., arXiv 2305.13301, §4.3, DDPO_IS; ddpo-pytorch scripts/train.py, inner loop):
// for each inner epoch, shuffle the batch, cut it into minibatches, replay the trained DDIM steps under θ (with
// grad), take PPO's clipped surrogate (algorithms/policy-loss.ts) and step AdamW once per `gradientAccumulation`
// minibatches, after clipping the gradient norm. Differences from ddpo-pytorch: all trained steps of a minibatch
// are replayed in one graph (it back-propagates step by step), and the per-step importance ratios are kept as
// diagnostics: every ratio computed before the iteration's first optimizer step must be 1 ± 1e-5, since replay
// reproduces the rollout's log-probs (DESIGN §2). Data parallel: the shuffle and the optimizer steps are over all
// ranks' samples by global index (train-share.ts), so 2 ranks × B/2 take the steps 1 rank × B takes; the log's
// means are over samples (partial sums added over the ranks).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import { maxOverRanks, sumOverRanks } from '../data-parallel.js';
import { allTrained, epochSteps, shareWeight, stepOnShare, trainShare, type TrainShare } from '../train-share.js';
import { replayLogProbs } from '../../generate/replay.js';
import { sliceTrajectory, catTrajectories, type Trajectory } from '../../generate/trajectory.js';
import { stepKl } from '../../generate/step-kl.js';
import { gatherSteps } from '../../credit/step-advantages.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import type { PolicyCondition, ImagePolicy } from '../../models/index.js';
import type { EpsilonModel } from '../../generate/types.js';
import { clippedPolicyLoss } from '../policy-loss.js';
import type { ReferenceModel } from '../algorithm.js';
import { ddpoEpsilonModel } from './rollout-stage.js';
import type { DdpoSettings } from './config.js';

export interface DdpoUpdateInput {
  policy: ImagePolicy;
  reference: ReferenceModel;
  optimizer: AdamW;
  trajectory: Trajectory<PolicyCondition>;
  /** A_i per sample [B] (already normalised and clipped). */
  advantages: Tensor;
  /** Trained step indices (stochastic ones). */
  steps: readonly number[];
  settings: Readonly<DdpoSettings>;
  iteration: number;
  /** Which of the iteration's samples this process holds (train-share.ts); absent: all of `trajectory`, in order. */
  share?: TrainShare;
}

export interface DdpoUpdateDiagnostics {
  /** Mean surrogate loss over the samples of the finite minibatches (clipFraction, approxKl likewise). */
  loss: number;
  clipFraction: number;
  approxKl: number;
  /** Mean pre-clip gradient norm over the optimizer steps taken. */
  gradNorm: number;
  optimizerSteps: number;
  /** Optimizer steps skipped because a loss or gradient was NaN/Inf. */
  skippedSteps: number;
  /** Mean ratio per trained step over the first inner epoch. */
  firstEpochRatioMean: number[];
  /** max |ratio − 1| over the first inner epoch (later minibatches see updated weights when gradientAccumulation is small). */
  firstEpochRatioMaxDev: number;
  /** max |ratio − 1| over the minibatches scored before the iteration's first optimizer step: must be ≤ 1e-5. */
  ratioMaxDevBeforeUpdate: number;
  /** Mean per-step KL to the reference on the first minibatch (over all ranks), before any update (NaN when monitorKl is off). */
  klToReference: number;
}

export function ddpoUpdateStage(input: DdpoUpdateInput): DdpoUpdateDiagnostics {
  const { optimizer, settings: s, steps } = input;
  const count = input.trajectory.seeds.length;
  const share = input.share ?? trainShare(allTrained(count), count);
  const rng = new Rng(deriveSeed(s.seed, input.iteration, 3));
  const model = ddpoEpsilonModel(input.policy, s.sampler);
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  // sums over this rank's samples (the log's means are over all samples, so the ranks' sums add up)
  const acc = { loss: 0, clipFraction: 0, approxKl: 0, n: 0, klSum: 0, klCount: 0, gradNorm: 0, steps: 0, skipped: 0 };
  const ratioSum = steps.map(() => 0);
  const dev = { firstEpoch: 0, beforeUpdate: 0 };
  for (let epoch = 0; epoch < s.innerEpochs; epoch++) {
    // ddpo-pytorch's minibatches of `minibatchSize`, `gradientAccumulation` of them per optimizer step, over all ranks
    const plan = epochSteps(share, rng, s.minibatchSize * s.gradientAccumulation);
    plan.forEach((step, u) => {
      // the KL monitor reads the epoch's first minibatch, before any update: its held members lead this rank's rows
      const klRows = epoch === 0 && u === 0 && s.monitorKl ? heldCount(share, step.members.slice(0, s.minibatchSize)) : 0;
      const gn = stepOnShare(optimizer, params, s.gradClip, step.rows, s.minibatchSize, (idx, stillFinite) => {
        const weight = stillFinite ? shareWeight(share, step, idx.length) : 0;
        const r = minibatchStep(input, model, idx, weight, idx[0] === step.rows[0] ? klRows : 0);
        if (epoch === 0 && u === 0) dev.beforeUpdate = Math.max(dev.beforeUpdate, r.maxDev);
        if (epoch === 0) {
          r.ratioSums.forEach((v, k) => (ratioSum[k]! += v));
          dev.firstEpoch = Math.max(dev.firstEpoch, r.maxDev);
          acc.klSum += r.klSum;
          acc.klCount += r.klCount;
        }
        if (!Number.isFinite(r.loss)) return false;
        acc.loss += r.loss * idx.length;
        acc.clipFraction += r.clipFraction * idx.length;
        acc.approxKl += r.approxKl * idx.length;
        acc.n += idx.length;
        return true;
      });
      if (Number.isFinite(gn)) {
        acc.gradNorm += gn;
        acc.steps++;
      } else {
        acc.skipped++; // a non-finite loss or gradient skips this step's update (on every rank alike)
      }
    });
  }
  const dp = share.dataParallel;
  const [loss, clipFraction, approxKl, n, klSum, klCount, ...ratios] = sumOverRanks(
    [acc.loss, acc.clipFraction, acc.approxKl, acc.n, acc.klSum, acc.klCount, ...ratioSum],
    dp,
  );
  const [firstEpochMaxDev, beforeUpdateMaxDev] = maxOverRanks([dev.firstEpoch, dev.beforeUpdate], dp);
  const per = Math.max(1, n!);
  return {
    loss: loss! / per,
    clipFraction: clipFraction! / per,
    approxKl: approxKl! / per,
    gradNorm: acc.steps > 0 ? acc.gradNorm / acc.steps : NaN,
    optimizerSteps: acc.steps,
    skippedSteps: acc.skipped,
    firstEpochRatioMean: ratios.map((x) => x / share.total),
    firstEpochRatioMaxDev: firstEpochMaxDev!,
    ratioMaxDevBeforeUpdate: beforeUpdateMaxDev!,
    klToReference: s.monitorKl ? klSum! / klCount! : NaN,
  };
}

/** How many of `members` (global indices) this process holds. */
function heldCount(share: TrainShare, members: readonly number[]): number {
  return members.filter((k) => share.rowOf.has(k)).length;
}

interface MinibatchResult {
  loss: number;
  clipFraction: number;
  approxKl: number;
  /** Σ over the minibatch's samples of the ratio, per trained step. */
  ratioSums: number[];
  /** max |ratio − 1| over the minibatch. */
  maxDev: number;
  /** Σ of the per-sample reference KL over the minibatch's first `klRows` samples, and that count (0 when not asked). */
  klSum: number;
  klCount: number;
}

/**
 * Replays the samples `idx` under θ, forms the clipped surrogate and back-propagates `weight`·loss (the minibatch's
 * share of its optimizer step's mean; 0 skips the backward). A non-finite loss is reported, not applied. The
 * reference KL is taken over the first `klRows` samples.
 */
function minibatchStep(input: DdpoUpdateInput, model: EpsilonModel<PolicyCondition>, idx: number[], weight: number, klRows: number): MinibatchResult {
  const { settings: s, steps } = input;
  return torch.scope(() => {
    const sub = selectSamples(input.trajectory, idx);
    const adv = input.advantages.indexSelect(0, torch.tensor(idx, { dtype: 'int64' }));
    const replay = replayLogProbs(model, sub, steps); // log p_θ(x_{t−1} | x_t, c), [n, K]
    const old = gatherSteps(sub.logProbs, steps); // the rollout's log-probs
    const pl = clippedPolicyLoss({ logProbs: replay.logProbs, oldLogProbs: old, advantages: adv, clipRange: s.clipRange });
    const loss = pl.loss.item();
    if (Number.isFinite(loss) && weight > 0) pl.loss.mul(weight).backward();
    return {
      loss,
      clipFraction: pl.clipFraction,
      approxKl: pl.approxKl,
      ratioSums: pl.ratio.sum(0).toArray(),
      maxDev: pl.ratio.sub(1).abs().max().item(),
      klSum: klRows > 0 ? referenceKl(input, sub, replay.means, replay.stdDevs).narrow(0, 0, klRows).sum().item() : 0,
      klCount: klRows,
    };
  });
}

/** Per sample, the mean over trained steps of stepKl(μ_θ, μ_ref, σ_t) — the exact per-element Gaussian KL for DDIM, [n]. */
function referenceKl(input: DdpoUpdateInput, sub: Trajectory<PolicyCondition>, means: Tensor, stdDevs: Tensor): Tensor {
  return torch.scope(() => {
    const refModel = ddpoEpsilonModel(input.reference, input.settings.sampler);
    const ref = torch.noGrad(() => replayLogProbs(refModel, sub, input.steps));
    const perStep = input.steps.map((_, k) =>
      stepKl(means.select(1, k).detach(), ref.means.select(1, k), stdDevs.select(1, k).detach()),
    );
    return torch.stack(perStep, 1).mean([1]);
  });
}

/** The trajectory of the samples `idx` (any order), as one batch. */
function selectSamples(t: Trajectory<PolicyCondition>, idx: readonly number[]): Trajectory<PolicyCondition> {
  const parts = idx.map((i) => sliceTrajectory(t, i, i + 1));
  return parts.length === 1 ? parts[0]! : catTrajectories(parts);
}
