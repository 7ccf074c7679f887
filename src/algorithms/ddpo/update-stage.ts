// DDPO stage 4 — update (Black et al., arXiv 2305.13301, §4.3, DDPO_IS; ddpo-pytorch scripts/train.py, inner loop):
// for each inner epoch, shuffle the batch, cut it into minibatches, replay the trained DDIM steps under θ (with
// grad), take PPO's clipped surrogate (algorithms/policy-loss.ts) and step AdamW once per `gradientAccumulation`
// minibatches, after clipping the gradient norm. Differences from ddpo-pytorch: all trained steps of a minibatch
// are replayed in one graph (it back-propagates step by step), and the per-step importance ratios are kept as
// diagnostics: every ratio computed before the iteration's first optimizer step must be 1 ± 1e-5, since replay
// reproduces the rollout's log-probs (DESIGN §2).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import { clippedGradNorm } from '../data-parallel.js';
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
}

export interface DdpoUpdateDiagnostics {
  /** Mean surrogate loss over the minibatches that were applied. */
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
  /** Mean per-step KL to the reference on the first minibatch, before any update (NaN when monitorKl is off). */
  klToReference: number;
}

export function ddpoUpdateStage(input: DdpoUpdateInput): DdpoUpdateDiagnostics {
  const { optimizer, trajectory, settings: s, steps } = input;
  const B = trajectory.seeds.length;
  const rng = new Rng(deriveSeed(s.seed, input.iteration, 3));
  const model = ddpoEpsilonModel(input.policy, s.sampler);
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const acc = { loss: 0, clipFraction: 0, approxKl: 0, minibatches: 0, gradNorm: 0, steps: 0, skipped: 0 };
  const ratioSum = steps.map(() => 0);
  const dev = { firstEpoch: 0, beforeUpdate: 0 };
  let kl = NaN;
  for (let epoch = 0; epoch < s.innerEpochs; epoch++) {
    const order = rng.shuffle(Array.from({ length: B }, (_, i) => i));
    for (const group of chunk(chunk(order, s.minibatchSize), s.gradientAccumulation)) {
      const n = group.reduce((k, mb) => k + mb.length, 0);
      optimizer.zeroGrad();
      let finite = true;
      for (const idx of group) {
        const wantKl = epoch === 0 && s.monitorKl && Number.isNaN(kl);
        const r = minibatchStep(input, model, idx, finite ? idx.length / n : 0, wantKl);
        if (acc.steps + acc.skipped === 0) dev.beforeUpdate = Math.max(dev.beforeUpdate, r.maxDev);
        if (epoch === 0) {
          r.ratioSums.forEach((v, k) => (ratioSum[k]! += v));
          dev.firstEpoch = Math.max(dev.firstEpoch, r.maxDev);
          if (wantKl) kl = r.kl;
        }
        if (!Number.isFinite(r.loss)) {
          finite = false;
          continue;
        }
        acc.loss += r.loss;
        acc.clipFraction += r.clipFraction;
        acc.approxKl += r.approxKl;
        acc.minibatches++;
      }
      const gn = clippedGradNorm(optimizer, params, s.gradClip, finite);
      if (Number.isFinite(gn)) {
        optimizer.step();
        acc.gradNorm += gn;
        acc.steps++;
      } else {
        acc.skipped++; // a non-finite loss or gradient skips this group's update
      }
      optimizer.zeroGrad();
    }
  }
  const m = Math.max(1, acc.minibatches);
  return {
    loss: acc.loss / m,
    clipFraction: acc.clipFraction / m,
    approxKl: acc.approxKl / m,
    gradNorm: acc.steps > 0 ? acc.gradNorm / acc.steps : NaN,
    optimizerSteps: acc.steps,
    skippedSteps: acc.skipped,
    firstEpochRatioMean: ratioSum.map((x) => x / B),
    firstEpochRatioMaxDev: dev.firstEpoch,
    ratioMaxDevBeforeUpdate: dev.beforeUpdate,
    klToReference: kl,
  };
}

interface MinibatchResult {
  loss: number;
  clipFraction: number;
  approxKl: number;
  /** Σ over the minibatch's samples of the ratio, per trained step. */
  ratioSums: number[];
  /** max |ratio − 1| over the minibatch. */
  maxDev: number;
  /** The reference KL of this minibatch when asked for, else NaN. */
  kl: number;
}

/**
 * Replays the samples `idx` under θ, forms the clipped surrogate and back-propagates `weight`·loss (the minibatch's
 * share of its accumulation group's mean; 0 skips the backward). A non-finite loss is reported, not applied.
 */
function minibatchStep(input: DdpoUpdateInput, model: EpsilonModel<PolicyCondition>, idx: number[], weight: number, wantKl: boolean): MinibatchResult {
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
      kl: wantKl ? referenceKl(input, sub, replay.means, replay.stdDevs) : NaN,
    };
  });
}

/** Mean over samples and trained steps of stepKl(μ_θ, μ_ref, σ_t) — the exact per-element Gaussian KL for DDIM. */
function referenceKl(input: DdpoUpdateInput, sub: Trajectory<PolicyCondition>, means: Tensor, stdDevs: Tensor): number {
  return torch.scope(() => {
    const refModel = ddpoEpsilonModel(input.reference, input.settings.sampler);
    const ref = torch.noGrad(() => replayLogProbs(refModel, sub, input.steps));
    const perStep = input.steps.map((_, k) =>
      stepKl(means.select(1, k).detach(), ref.means.select(1, k), stdDevs.select(1, k).detach()),
    );
    return torch.stack(perStep, 1).mean().item();
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The trajectory of the samples `idx` (any order), as one batch. */
function selectSamples(t: Trajectory<PolicyCondition>, idx: readonly number[]): Trajectory<PolicyCondition> {
  const parts = idx.map((i) => sliceTrajectory(t, i, i + 1));
  return parts.length === 1 ? parts[0]! : catTrajectories(parts);
}
