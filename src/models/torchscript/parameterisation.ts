// Translating between Refract's samplers and a brought network's own parameterisation (issue #15).
//
// Notation. Refract's samplers hand the policy the flow noise level σ and x_σ = (1−σ)·x₀ + σ·ε, and want the
// velocity v = ε − x₀ back (DESIGN §3; Liu et al. arXiv 2209.03003, SD3 arXiv 2403.03206). A network sees its own
// variable z = a·x₀ + b·ε:
//   time.kind 'sigma':    z = x_σ,         a = 1−σ,            b = σ,            network time = scale·σ
//   time.kind 'timestep': z = x_σ / s(σ),  a = √ᾱ = (1−σ)/s,   b = √(1−ᾱ) = σ/s, s = √((1−σ)² + σ²)
//                         (the VP variable of the same noise level; generate/flow-vp.ts; Kingma et al.
//                         arXiv 2107.00630 §3), network time = the fractional DDPM timestep whose ᾱ_t equals ᾱ(σ).
// From its output y the clean sample and the noise follow, and v = ε̂ − x̂₀ (both frames share x₀ and ε):
//   'epsilon':  ε̂ = y,                 x̂₀ = (z − b·ε̂)/a
//   'sample':   x̂₀ = y,                ε̂ = (z − a·x̂₀)/b
//   'velocity': flow time: v = y (the network's v is already ε − x₀);
//               VP time: y is the v-prediction a·ε − b·x₀ (Salimans & Ho, arXiv 2202.00512 §4, a² + b² = 1), so
//               x̂₀ = a·z − b·y and ε̂ = b·z + a·y.
// a → 0 at σ = 1 and b → 0 at σ = 0 make 'epsilon' and 'sample' singular there; the divisors are kept ≥ MIN_COEFFICIENT
// (samplers never query σ = 0; at σ = 1 an ε-predictor's x̂₀ is undetermined anyway — docs/byo-generator.md).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { ScriptGeneratorConfig, TimeInput } from './config.js';

/** The smallest a or b divided by (see the header). */
export const MIN_COEFFICIENT = 1e-3;

/** ᾱ_t, t = 0..T−1, of a DDPM β schedule (diffusers' 'linear' and 'scaled_linear' betas; Ho et al. arXiv 2006.11239). */
export function ddpmAlphasCumprod(t: Extract<TimeInput, { kind: 'timestep' }>): number[] {
  const T = t.trainTimesteps;
  const out: number[] = [];
  let prod = 1;
  for (let i = 0; i < T; i++) {
    const f = T === 1 ? 0 : i / (T - 1);
    const beta =
      t.betaSchedule === 'linear'
        ? t.betaStart + f * (t.betaEnd - t.betaStart) // β_i = linspace(β_start, β_end)
        : (Math.sqrt(t.betaStart) + f * (Math.sqrt(t.betaEnd) - Math.sqrt(t.betaStart))) ** 2; // linspace of √β, squared
    prod *= 1 - beta; // ᾱ_i = Π_{j ≤ i} (1 − β_j)
    out.push(prod);
  }
  return out;
}

/** The fractional timestep t with ᾱ_t = ᾱ, interpolating log ᾱ linearly between table entries; clamped to [0, T−1]. */
export function timestepOfAlphaBar(alphaBar: number, table: readonly number[]): number {
  if (alphaBar >= table[0]!) return 0;
  const last = table.length - 1;
  if (alphaBar <= table[last]!) return last;
  let lo = 0;
  let hi = last; // table decreasing: table[lo] > ᾱ ≥ table[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (table[mid]! > alphaBar) lo = mid;
    else hi = mid;
  }
  const l0 = Math.log(table[lo]!);
  const l1 = Math.log(table[hi]!);
  return lo + (Math.log(alphaBar) - l0) / (l1 - l0);
}

/** Per-sample coefficients of z = a·x₀ + b·ε, the divisor s (z = x_σ/s) and the network's time input, from σ values. */
export interface NetworkFrame {
  a: number[];
  b: number[];
  s: number[];
  time: number[];
}

/** The network frame of each σ (header notation). */
export function networkFrame(sigmas: readonly number[], time: TimeInput, table: readonly number[] | null): NetworkFrame {
  if (time.kind === 'sigma') {
    return { a: sigmas.map((s) => 1 - s), b: [...sigmas], s: sigmas.map(() => 1), time: sigmas.map((s) => s * time.scale) };
  }
  const scale = sigmas.map((s) => Math.sqrt((1 - s) ** 2 + s ** 2)); // s(σ)
  const alphaBar = sigmas.map((s, i) => ((1 - s) / scale[i]!) ** 2); // ᾱ(σ) = (1−σ)²/((1−σ)² + σ²)
  return {
    a: sigmas.map((s, i) => (1 - s) / scale[i]!),
    b: sigmas.map((s, i) => s / scale[i]!),
    s: scale,
    time: alphaBar.map((ab) => timestepOfAlphaBar(ab, table!)),
  };
}

/** [B] numbers → [B, 1, …, 1] matching x's rank. */
function column(values: readonly number[], like: Tensor): Tensor {
  return torch.tensor(values, { dtype: like.dtype }).reshape([values.length, ...like.shape.slice(1).map(() => 1)]);
}

/**
 * The flow velocity ε̂ − x̂₀ from the network's output `y` at its input `z` (header formulas). Differentiable in y.
 */
export function velocityOfOutput(
  y: Tensor,
  z: Tensor,
  frame: NetworkFrame,
  prediction: ScriptGeneratorConfig['prediction'],
  timeKind: TimeInput['kind'],
): Tensor {
  if (prediction === 'velocity' && timeKind === 'sigma') return y.mul(1); // a new handle the caller owns
  return torch.scope(() => {
    const a = column(frame.a, z);
    const b = column(frame.b, z);
    let eps: Tensor;
    let x0: Tensor;
    if (prediction === 'epsilon') {
      eps = y;
      x0 = z.sub(b.mul(y)).div(a.clamp(MIN_COEFFICIENT)); // x̂₀ = (z − b·ε̂)/a
    } else if (prediction === 'sample') {
      x0 = y;
      eps = z.sub(a.mul(y)).div(b.clamp(MIN_COEFFICIENT)); // ε̂ = (z − a·x̂₀)/b
    } else {
      x0 = a.mul(z).sub(b.mul(y)); // x̂₀ = a·z − b·v
      eps = b.mul(z).add(a.mul(y)); // ε̂ = b·z + a·v
    }
    return eps.sub(x0); // v = ε̂ − x̂₀
  });
}
