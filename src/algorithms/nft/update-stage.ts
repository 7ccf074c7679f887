// DiffusionNFT stage 4 — update: K forward-noised points per clean sample (training-points.ts), the old policy's
// and the reference's velocities there (no grad, computed once: neither changes during the iteration), then
// `innerEpochs` optimizer steps on mean_p ℓ_p (loss.ts) over all points, gradients accumulated over minibatches
// (accumulated-step.ts). The old policy's EMA update happens after this stage (algorithm.ts), as the authors
// update their "old" adapter after each epoch's optimizer steps (NVlabs/DiffusionNFT scripts/train_nft_sd3.py).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import type { PolicyCondition, ImagePolicy } from '../../models/index.js';
import { meanOverNonBatch } from '../../generate/per-sample.js';
import type { ReferenceModel } from '../algorithm.js';
import { accumulatedStep, runEpochs, type MinibatchLoss } from '../accumulated-step.js';
import type { EmaPolicy } from '../ema-policy.js';
import { drawTrainingPoints, slicePoints, velocitiesAt, type TrainingPoints } from '../training-points.js';
import { nftLoss } from './loss.js';
import type { NftSettings } from './config.js';

export interface NftUpdateInput {
  policy: ImagePolicy;
  old: EmaPolicy;
  reference: ReferenceModel;
  optimizer: AdamW;
  /** The old policy's clean samples x₀ [B, …] and the conditioning they were sampled with. */
  x0: Tensor;
  cond: PolicyCondition;
  /** The rollout sampler's σ grid (for timesteps.distribution 'grid'). */
  sigmas: readonly number[];
  /** r per sample, [B]. */
  r: Tensor;
  settings: Readonly<NftSettings>;
  iteration: number;
  /** Index of x₀[0] in the iteration's full draw (data parallel; 0 in one process). */
  firstSample?: number;
}

export interface NftUpdateDiagnostics {
  /** mean_p ℓ_p, averaged over the optimizer steps taken (NaN when none). */
  loss: number;
  /** mean_p L⁺ and L⁻ at the first epoch. */
  positiveLoss: number;
  negativeLoss: number;
  /** mean_p mean((v_θ − v_ref)²) at the first epoch, before any update (NaN without the reference). */
  kl: number;
  /** mean_p mean((v_θ − v_old)²) at the first epoch (the authors' old_deviate). */
  oldDeviation: number;
  gradNorm: number;
  optimizerSteps: number;
  skippedSteps: number;
}

/** The tensors every minibatch reads. */
interface Fixed {
  points: TrainingPoints<PolicyCondition>;
  vOld: Tensor;
  vRef: Tensor | null;
  /** r per point, [K·B]. */
  r: Tensor;
}

export function nftUpdateStage(input: NftUpdateInput): NftUpdateDiagnostics {
  const s = input.settings;
  const points = drawTrainingPoints(input.x0, input.cond, s.timesteps, input.sigmas, s.seed, input.iteration, input.firstSample ?? 0);
  const denoiser = input.policy.denoiser();
  const fixed: Fixed = {
    points,
    vOld: input.old.run(() => velocitiesAt(denoiser, points, s.minibatchSize)), // v_old(x_t, t, c)
    vRef: s.klCoefficient > 0 || s.monitorKl ? velocitiesAt(input.reference.denoiser(), points, s.minibatchSize) : null,
    r: torch.cat(Array<Tensor>(s.timesteps.perSample).fill(input.r), 0),
  };
  const e = runEpochs(s.innerEpochs, () => accumulatedStep(input.optimizer, points.count, s.minibatchSize, s.gradClip, (a, b) => minibatchLoss(input, fixed, a, b)));
  const per = (k: string): number => (e.firstSums[k] === undefined ? NaN : e.firstSums[k]! / points.count);
  return {
    loss: e.loss,
    positiveLoss: per('positive'),
    negativeLoss: per('negative'),
    kl: fixed.vRef === null ? NaN : per('kl'),
    oldDeviation: per('oldDeviation'),
    gradNorm: e.gradNorm,
    optimizerSteps: e.optimizerSteps,
    skippedSteps: e.skippedSteps,
  };
}

/** ℓ_p of points [start, end) under the current θ, with the sums the log reports. */
function minibatchLoss(input: NftUpdateInput, f: Fixed, start: number, end: number): MinibatchLoss {
  const s = input.settings;
  const mb = slicePoints(f.points, start, end);
  const cut = (x: Tensor): Tensor => x.narrow(0, start, end - start);
  const vTheta = input.policy.denoiser()(mb.xt, mb.t, mb.cond); // v_θ(x_t, t, c)
  const vOld = cut(f.vOld);
  const terms = nftLoss({
    x0: mb.x0,
    xt: mb.xt,
    t: mb.t,
    vTheta,
    vOld,
    r: cut(f.r),
    beta: s.beta,
    clip: s.advantageClip,
    ...(f.vRef === null ? {} : { vRef: cut(f.vRef), klCoefficient: s.klCoefficient }),
  });
  const sums: Record<string, number> = {
    positive: terms.positive.sum().item(),
    negative: terms.negative.sum().item(),
    oldDeviation: meanOverNonBatch(vTheta.detach().sub(vOld).square()).sum().item(),
  };
  if (terms.kl !== null) sums['kl'] = terms.kl.sum().item();
  return { perPoint: terms.perPoint, sums };
}
