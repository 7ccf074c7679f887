// AdamW (Loshchilov & Hutter, arXiv 1711.05101, Algorithm 2): Adam with weight decay decoupled from the gradient —
// θ shrinks by lr·λ each step before the adaptive update, instead of λ·θ joining the gradient. Follows
// torch/optim/adamw.py's _single_tensor_adamw (1.13); the shared update lives in adam.ts.
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';
import { adamUpdate, validateAdam, type AdamHyper } from './adam.js';

const ADAMW_DEFAULTS: AdamHyper = {
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 1e-2,
  amsgrad: false,
  maximize: false,
};

export class AdamW extends Optimizer<AdamHyper> {
  constructor(params: ParamsInput<AdamHyper>, opts: Partial<AdamHyper> = {}) {
    super(params, { ...ADAMW_DEFAULTS, ...opts });
  }

  protected validate(h: AdamHyper): void {
    validateAdam(h, this.where);
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdamHyper>, state: ParamState): void {
    adamUpdate(param, grad, group, state, true);
  }
}
