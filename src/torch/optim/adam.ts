// Adam (Kingma & Ba, arXiv 1412.6980, Algorithm 1 with bias correction) with L2-style weight decay: the decay
// term is added to the gradient and so is rescaled by the adaptive denominator. For decoupled decay use AdamW.
// The update follows torch/optim/adam.py's _single_tensor_adam (1.13) op for op, so values match to ~1e-7.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from '../creation.js';
import {
  Optimizer,
  stateBuffer,
  type GroupHyper,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
} from './optimizer.js';

export interface AdamHyper extends GroupHyper {
  /** (β₁, β₂): decay rates of the first- and second-moment averages. */
  betas: [number, number];
  /** ε added to the denominator for numerical stability. */
  eps: number;
  /** Use the running maximum of the second moment (AMSGrad, Reddi et al., ICLR 2018). */
  amsgrad: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

const ADAM_DEFAULTS: AdamHyper = {
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  amsgrad: false,
  maximize: false,
};

export class Adam extends Optimizer<AdamHyper> {
  constructor(params: ParamsInput<AdamHyper>, opts: Partial<AdamHyper> = {}) {
    super(params, { ...ADAM_DEFAULTS, ...opts });
  }

  protected validate(h: AdamHyper): void {
    validateAdam(h, this.where);
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdamHyper>, state: ParamState): void {
    adamUpdate(param, grad, group, state, false);
  }
}

export function validateAdam(h: AdamHyper, where: string): void {
  const [b1, b2] = h.betas;
  const bad = (what: string, got: unknown): never => {
    throw new TorchError(`${what}, got ${JSON.stringify(got)}`, where);
  };
  if (!(h.lr >= 0)) bad('lr must be ≥ 0', h.lr);
  if (!(h.eps >= 0)) bad('eps must be ≥ 0', h.eps);
  if (!(b1! >= 0 && b1! < 1 && b2! >= 0 && b2! < 1)) bad('betas must both be in [0, 1)', h.betas);
  if (!(h.weightDecay >= 0)) bad('weightDecay must be ≥ 0', h.weightDecay);
}

/**
 * One Adam/AdamW step for one parameter, in PyTorch's order of operations (notation of Kingma & Ba):
 *   t ← t + 1
 *   decoupled: θ ← θ·(1 − lr·λ)            else: g ← g + λ·θ
 *   m ← β₁·m + (1 − β₁)·g                    (first moment)
 *   v ← β₂·v + (1 − β₂)·g²                   (second moment)
 *   θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 */
export function adamUpdate(param: Tensor, grad: Tensor, h: AdamHyper, state: ParamState, decoupled: boolean): void {
  const [beta1, beta2] = h.betas;
  const g0 = h.maximize ? grad.neg() : grad;
  const expAvg = stateBuffer(state, 'expAvg', () => zerosLike(param));
  const expAvgSq = stateBuffer(state, 'expAvgSq', () => zerosLike(param));
  state.step += 1;
  let g = g0;
  if (decoupled) param.mul_(1 - h.lr * h.weightDecay);
  else if (h.weightDecay !== 0) g = g0.add(param, h.weightDecay);
  expAvg.mul_(beta1).add_(g, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(g, g, 1 - beta2);
  const biasCorrection1 = 1 - beta1 ** state.step;
  const biasCorrection2 = 1 - beta2 ** state.step;
  const stepSize = h.lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  let second = expAvgSq;
  if (h.amsgrad) {
    const maxSq = stateBuffer(state, 'maxExpAvgSq', () => zerosLike(param));
    maxSq.copy_(maxSq.maximum(expAvgSq));
    second = maxSq;
  }
  const denom = second.sqrt().div(biasCorrection2Sqrt).add_(h.eps);
  param.addcdiv_(expAvg, denom, -stepSize);
}
