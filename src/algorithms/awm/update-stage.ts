// AWM stage 4 — update: K forward-noised points per sample of the policy's own x₀ (training-points.ts), the
// reference's and the EMA copy's velocities there (no grad, computed once), then `innerEpochs` optimizer steps on
// mean_p loss_p (loss.ts) over all points, gradients accumulated over minibatches (accumulated-step.ts). ℓ_old is
// the policy's own ℓ at the first epoch, before any step (the authors' on-policy setting: ratio 1 exactly), and is
// reused by later epochs. The EMA copy's update happens after this stage (algorithm.ts).
import type { Tensor } from '../../torch/index.js';
import * as torch from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import type { PolicyCondition, ImagePolicy } from '../../models/index.js';
import type { ReferenceModel } from '../algorithm.js';
import { accumulatedStep, runEpochs, type MinibatchLoss } from '../accumulated-step.js';
import type { EmaPolicy } from '../ema-policy.js';
import { drawTrainingPoints, slicePoints, velocitiesAt, type TrainingPoints } from '../training-points.js';
import { awmLoss } from './loss.js';
import type { AwmSettings } from './config.js';

export interface AwmUpdateInput {
  policy: ImagePolicy;
  /** The EMA copy (null when emaKlCoefficient is 0). */
  ema: EmaPolicy | null;
  reference: ReferenceModel;
  optimizer: AdamW;
  /** The policy's samples x₀ [B, …] and their conditioning. */
  x0: Tensor;
  cond: PolicyCondition;
  /** The rollout sampler's σ grid (for timesteps.distribution 'grid'). */
  sigmas: readonly number[];
  /** A per sample (clipped and scaled), [B]. */
  advantages: Tensor;
  settings: Readonly<AwmSettings>;
  iteration: number;
  /** Index of x₀[0] in the iteration's full draw (data parallel; 0 in one process). */
  firstSample?: number;
}

export interface AwmUpdateDiagnostics {
  /** mean_p loss_p, averaged over the optimizer steps taken (NaN when none). */
  loss: number;
  /** mean_p e_p and mean_p A_p·e_p at the first epoch. */
  flowMatching: number;
  weightedFlowMatching: number;
  /** mean_p mean((v_θ − v_ref)²) and mean((v_θ − v_ema)²) at the first epoch, before any update. */
  klReference: number;
  klEma: number;
  /** Fraction of points whose |ρ − 1| > ε_clip, over the epochs after the first (0 with one epoch). */
  clipFraction: number;
  gradNorm: number;
  optimizerSteps: number;
  skippedSteps: number;
}

interface Fixed {
  points: TrainingPoints<PolicyCondition>;
  target: Tensor;
  advantage: Tensor;
  vRef: Tensor | null;
  vEma: Tensor | null;
  /** ℓ_old per point, filled at the first epoch. */
  oldLogProb: number[];
}

export function awmUpdateStage(input: AwmUpdateInput): AwmUpdateDiagnostics {
  const s = input.settings;
  const points = drawTrainingPoints(input.x0, input.cond, s.timesteps, input.sigmas, s.seed, input.iteration, input.firstSample ?? 0);
  const withRef = s.klCoefficient > 0 || s.monitorKl;
  const denoiser = input.policy.denoiser();
  const fixed: Fixed = {
    points,
    target: points.noise.sub(points.x0), // v = ε − x₀
    advantage: torch.cat(Array<Tensor>(s.timesteps.perSample).fill(input.advantages), 0),
    vRef: withRef ? velocitiesAt(input.reference.denoiser(), points, s.minibatchSize) : null,
    vEma: input.ema === null ? null : input.ema.run(() => velocitiesAt(denoiser, points, s.minibatchSize)),
    oldLogProb: [],
  };
  const lossOf = (epoch: number) => (a: number, b: number) => minibatchLoss(input, fixed, epoch, a, b);
  const e = runEpochs(s.innerEpochs, (epoch) => accumulatedStep(input.optimizer, points.count, s.minibatchSize, s.gradClip, lossOf(epoch)), true);
  const n = points.count;
  const per = (k: string): number => (e.firstSums[k] === undefined ? NaN : e.firstSums[k]! / n);
  return {
    loss: e.loss,
    flowMatching: per('flowMatching'),
    weightedFlowMatching: per('weightedFlowMatching'),
    klReference: per('klReference'),
    klEma: per('klEma'),
    clipFraction: s.innerEpochs > 1 ? (e.laterSums['clipped'] ?? 0) / (n * (s.innerEpochs - 1)) : 0,
    gradNorm: e.gradNorm,
    optimizerSteps: e.optimizerSteps,
    skippedSteps: e.skippedSteps,
  };
}

/** loss_p of points [start, end) under the current θ; at epoch 0 it records ℓ_old. */
function minibatchLoss(input: AwmUpdateInput, f: Fixed, epoch: number, start: number, end: number): MinibatchLoss {
  const s = input.settings;
  const mb = slicePoints(f.points, start, end);
  const cut = (x: Tensor): Tensor => x.narrow(0, start, end - start);
  const vTheta = input.policy.denoiser()(mb.xt, mb.t, mb.cond); // v_θ(x_t, t, c)
  const old = epoch === 0 ? undefined : torch.tensor(f.oldLogProb.slice(start, end), { dtype: vTheta.dtype });
  const terms = awmLoss({
    vTheta,
    target: cut(f.target),
    t: mb.t,
    advantage: cut(f.advantage),
    ...(old === undefined ? {} : { oldLogProb: old }),
    clipRange: s.clipRange,
    weighting: s.weighting,
    ghuberPower: s.ghuberPower,
    ...(f.vRef === null ? {} : { vRef: cut(f.vRef), klCoefficient: s.klCoefficient }),
    ...(f.vEma === null ? {} : { vEma: cut(f.vEma), emaKlCoefficient: s.emaKlCoefficient }),
  });
  if (epoch === 0) terms.logProb.toArray().forEach((v, k) => (f.oldLogProb[start + k] = v));
  const sums: Record<string, number> = {
    flowMatching: terms.flowMatching.sum().item(),
    weightedFlowMatching: terms.flowMatching.mul(cut(f.advantage)).sum().item(),
    clipped: terms.ratio.sub(1).abs().gt(s.clipRange).to('float32').sum().item(),
  };
  if (terms.klReference !== null) sums['klReference'] = terms.klReference.sum().item();
  if (terms.klEma !== null) sums['klEma'] = terms.klEma.sum().item();
  return { perPoint: terms.perPoint, sums };
}
