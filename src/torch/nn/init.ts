// torch.nn.init: in-place initialisers, each run under noGrad and returning its tensor. Formulas and bounds follow
// PyTorch's torch/nn/init.py (1.13) step for step, so with the same seed they draw the same values; each takes an
// optional Generator so a model's initialisation can be reproduced independently of other random draws.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import type { Generator } from '../creation.js';
import { scalarTensor } from '../creation.js';
import { atenInplace } from '../ops.js';
import { noGrad } from '../autograd.js';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

const erfinv_ = atenInplace('erfinv_');

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param` is leaky_relu's slope. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu':
      return 3.0 / 4; // PyTorch's empirical value (pytorch/pytorch#50664)
    default:
      return 1; // linear, conv*, sigmoid
  }
}

/** fan_in = size(1)·receptive field, fan_out = size(0)·receptive field (_calculate_fan_in_and_fan_out). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) {
    throw new TorchError(
      `tensor must have at least 2 dims to compute fan in/out, got shape [${s.join(', ')}] — use uniform_/normal_ for vectors`,
      'nn.init',
    );
  }
  const receptive = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1]! * receptive, fanOut: s[0]! * receptive };
}

function fan(t: Tensor, mode: FanMode): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fanIn : fanOut;
}

export function uniform_(t: Tensor, a = 0, b = 1, generator?: Generator): Tensor {
  return noGrad(() => t.uniform_(a, b, generator));
}

export function normal_(t: Tensor, mean = 0, std = 1, generator?: Generator): Tensor {
  return noGrad(() => t.normal_(mean, std, generator));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}

export function ones_(t: Tensor): Tensor {
  return noGrad(() => t.fill_(1));
}

/** Glorot & Bengio (2010): U(−a, a) with a = gain·sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(t, -a, a, generator);
}

/** Glorot & Bengio (2010): N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(t, 0, std, generator);
}

export interface KaimingOptions {
  /** leaky_relu's negative slope (PyTorch's `a`); Linear and Conv use sqrt(5). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/** He et al. (2015, arXiv 1502.01852): U(−b, b) with b = gain·sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(fan(t, o.mode ?? 'fan_in'));
  const bound = Math.sqrt(3.0) * std;
  return uniform_(t, -bound, bound, o.generator);
}

/** He et al. (2015, arXiv 1502.01852): N(0, std²) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(fan(t, o.mode ?? 'fan_in'));
  return normal_(t, 0, std, o.generator);
}

/**
 * N(mean, std²) truncated to [a, b], by inverse-CDF sampling exactly as PyTorch's trunc_normal_: draw
 * u ~ U(2Φ(α)−1, 2Φ(β)−1), map through erfinv, scale by std·√2, shift by mean, and clamp to [a, b] against
 * rounding. Exact (not an approximation) as long as [a, b] is not far in one tail, where erfinv loses precision.
 */
export function truncNormal_(
  t: Tensor,
  o: { mean?: number; std?: number; a?: number; b?: number; generator?: Generator } = {},
): Tensor {
  const mean = o.mean ?? 0;
  const std = o.std ?? 1;
  const a = o.a ?? -2;
  const b = o.b ?? 2;
  if (!(a < b)) throw new TorchError(`a must be below b, got a=${a}, b=${b} — swap the bounds`, 'nn.init.truncNormal_');
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return noGrad(() => {
    t.uniform_(2 * l - 1, 2 * u - 1, o.generator);
    erfinv_(t.id);
    t.mul_(std * Math.sqrt(2.0));
    t.add_(mean);
    return t.clamp_(a, b);
  });
}

/** Φ(x) = (1 + erf(x/√2)) / 2, with erf from libtorch in float64 (JS has no Math.erf). */
function normCdf(x: number): number {
  using t = scalarTensor(x / Math.sqrt(2.0), 'float64');
  using e = t.erf();
  return (1.0 + e.item()) / 2.0;
}
