// DiffusionNFT stage 4 — update: K forward-noised points per clean sample (training-points.ts), the old policy's
// and the reference's velocities there (no grad, computed once: neither changes during the iteration), then
// `innerEpochs` epochs of `stepsPerEpoch` optimizer steps, each on the mean ℓ_p (loss.ts) over its chunk of the
// points, gradients accumulated over minibatches (accumulated-step.ts). The old policy's EMA update happens after
// this stage (algorithm.ts), as the authors update their "old" adapter after each epoch's optimizer steps
// (NVlabs/DiffusionNFT scripts/train_nft_sd3.py).
//
// Which velocity is trained: the conditional one v(x, t, c) by default (the paper's CFG-free policy), or with
// `guidedVelocity` the sampler's guided one v^w = v(x, t, ∅) + w·(v(x, t, c) − v(x, t, ∅)) (CFG, Ho & Salimans
// arXiv 2207.12598 Eq. 6) for v_θ, v_old and v_ref alike — the policy whose samples are scored is then the one the
// loss improves, as Flow-GRPO's log-probabilities are those of the guided mean. One batched forward on
// [x; x] with [∅; c] per point (generate/guidance.ts), so the null prompt's branch is trained too.
//
// With a trained prompt encoder (settings.encoder), the input carries the samples' token ids and every model encodes
// them itself: v_θ with grad in each minibatch (so the loss reaches the encoder), v_old under the old weights and
// v_ref with the reference's encoder — each velocity is that model's own, as when the encoder is frozen and the three
// encodings coincide.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import type { PolicyCondition, PolicyDenoiser, ImagePolicy } from '../../models/index.js';
import { meanOverNonBatch } from '../../generate/per-sample.js';
import { guidedModel } from '../../generate/guidance.js';
import type { VelocityModel } from '../../generate/types.js';
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
  /** The null prompt's condition of the same B samples; required with settings.guidedVelocity. */
  uncond?: PolicyCondition;
  /** The samples' prompt token ids [B, L] int64; required with settings.encoder (each model encodes them). */
  tokens?: Tensor;
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

/** A training point's condition, encoded: the prompt's, and the null prompt's when the guided velocity is trained. */
interface EncodedCondition {
  c: PolicyCondition;
  u: PolicyCondition | undefined;
}

/** With a trained encoder: the prompt's token ids, which each model encodes itself (and the null prompt if guided). */
interface TokenCondition {
  tokens: Tensor;
  guided: boolean;
}

type PointCondition = EncodedCondition | TokenCondition;

type VelocitySource = Pick<ImagePolicy, 'denoiser' | 'encode' | 'encodeNull'>;

/**
 * The velocity the loss trains, of `model` (the policy — under old.run, with the old weights — or the reference):
 * the conditional one, or with `guidance` w the guided v_∅ + w·(v_c − v_∅). With token ids on the condition, the
 * model's own encoder makes c (and ∅) — under grad when the caller is.
 */
function trainedVelocity(model: VelocitySource, guidance: number | null): VelocityModel<PointCondition> {
  const denoiser: PolicyDenoiser = model.denoiser();
  const own = (cond: PointCondition): EncodedCondition => {
    if (!('tokens' in cond)) return cond;
    const [n, length] = cond.tokens.shape as [number, number];
    return { c: model.encode(cond.tokens), u: cond.guided ? model.encodeNull(n, length) : undefined };
  };
  if (guidance === null) return (x, t, cond) => denoiser(x, t, own(cond).c);
  return (x, t, cond) => {
    const { c, u } = own(cond);
    return guidedModel(denoiser, { uncond: u!, scale: guidance })(x, t, c);
  };
}

/** The tensors every minibatch reads. */
interface Fixed {
  points: TrainingPoints<PointCondition>;
  velocity: VelocityModel<PointCondition>;
  vOld: Tensor;
  vRef: Tensor | null;
  /** r per point, [K·B]. */
  r: Tensor;
}

export function nftUpdateStage(input: NftUpdateInput): NftUpdateDiagnostics {
  const s = input.settings;
  const guidance = s.guidedVelocity ? s.sampler.guidance : null;
  if (guidance !== null && input.uncond === undefined) {
    throw new Error('refract train: nft.guidedVelocity needs the null prompt\'s condition — set nft.sampler.guidance ≠ 1');
  }
  if (s.encoder !== undefined && input.tokens === undefined) {
    throw new Error('refract train: nft.encoder needs the samples\' token ids — pass tokens to the update stage');
  }
  // with a trained encoder the rollout's encodings are not used: every model encodes the token ids itself
  const cond: PointCondition = s.encoder === undefined ? { c: input.cond, u: guidance === null ? undefined : input.uncond } : { tokens: input.tokens!, guided: guidance !== null };
  const points = drawTrainingPoints(input.x0, cond, s.timesteps, input.sigmas, s.seed, input.iteration, input.firstSample ?? 0);
  const velocity = trainedVelocity(input.policy, guidance);
  const fixed: Fixed = {
    points,
    velocity,
    vOld: input.old.run(() => velocitiesAt(velocity, points, s.minibatchSize)), // v_old(x_t, t, c)
    vRef: s.klCoefficient > 0 || s.monitorKl ? velocitiesAt(trainedVelocity(input.reference, guidance), points, s.minibatchSize) : null,
    r: torch.cat(Array<Tensor>(s.timesteps.perSample).fill(input.r), 0),
  };
  const size = Math.ceil(points.count / Math.min(s.stepsPerEpoch, points.count));
  const chunks = Math.ceil(points.count / size); // never an empty chunk (e.g. 9 points in 4 steps: 3 + 3 + 3)
  const e = runEpochs(
    s.innerEpochs,
    (_, j) => accumulatedStep(input.optimizer, Math.min(points.count, (j + 1) * size) - j * size, s.minibatchSize, s.gradClip, (a, b) => minibatchLoss(input, fixed, a, b), j * size),
    false,
    chunks,
  );
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
  const vTheta = f.velocity(mb.xt, mb.t, mb.cond); // v_θ(x_t, t, c)
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
