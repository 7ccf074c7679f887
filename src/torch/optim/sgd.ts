// Stochastic gradient descent with momentum, dampening, Nesterov momentum (Sutskever et al., ICML 2013) and L2
// weight decay, following torch/optim/sgd.py's _single_tensor_sgd (1.13):
//   g ← g + λ·θ;   b ← g on the first step, else b ← μ·b + (1 − τ)·g;   d ← nesterov ? g + μ·b : b;   θ ← θ − lr·d
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import {
  Optimizer,
  stateBuffer,
  type GroupHyper,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
} from './optimizer.js';

export interface SGDHyper extends GroupHyper {
  /** μ, the momentum factor (0: plain SGD). */
  momentum: number;
  /** τ, dampening of the gradient's contribution to the momentum buffer. */
  dampening: number;
  nesterov: boolean;
  maximize: boolean;
}

const SGD_DEFAULTS: Omit<SGDHyper, 'lr'> = {
  momentum: 0,
  dampening: 0,
  weightDecay: 0,
  nesterov: false,
  maximize: false,
};

export class SGD extends Optimizer<SGDHyper> {
  /** `lr` has no default, as in PyTorch. */
  constructor(params: ParamsInput<SGDHyper>, opts: Partial<SGDHyper> & { lr: number }) {
    super(params, { ...SGD_DEFAULTS, ...opts });
  }

  protected validate(h: SGDHyper): void {
    const bad = (what: string, got: unknown): never => {
      throw new TorchError(`${what}, got ${JSON.stringify(got)}`, this.where);
    };
    if (!(h.lr >= 0)) bad('lr must be ≥ 0', h.lr);
    if (!(h.momentum >= 0)) bad('momentum must be ≥ 0', h.momentum);
    if (!(h.weightDecay >= 0)) bad('weightDecay must be ≥ 0', h.weightDecay);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      bad('nesterov must come with momentum > 0 and dampening 0', { momentum: h.momentum, dampening: h.dampening });
    }
  }

  protected update(param: Tensor, grad: Tensor, h: ParamGroup<SGDHyper>, state: ParamState): void {
    state.step += 1;
    let d = h.maximize ? grad.neg() : grad;
    if (h.weightDecay !== 0) d = d.add(param, h.weightDecay);
    if (h.momentum !== 0) {
      let buf = state.buffers.get('momentumBuffer');
      if (buf === undefined) {
        const first = d;
        buf = stateBuffer(state, 'momentumBuffer', () => first.clone());
      } else {
        buf.mul_(h.momentum).add_(d, 1 - h.dampening);
      }
      d = h.nesterov ? d.add(buf, h.momentum) : buf;
    }
    param.add_(d, -h.lr);
  }
}
