// Probability-flow ODE sampling with gradients kept only where reward back-propagation needs them:
// - DRaFT-K (Clark et al., arXiv 2309.17400, Alg. 1 with the truncation of §4.1): the first N − K Euler steps run
//   without a graph, the last K with one, so ∂r(x₀)/∂θ flows through the last K model calls only;
// - DRaFT-LV (§4.2): re-noise the final sample n times to the last step's σ and denoise each in one step with
//   grad — n low-variance estimates of the last step's reward gradient;
// - ReFL (Xu et al., ImageReward, arXiv 2304.05977, Alg. 1): run without a graph to a (late) step j, then predict
//   x̂₀ in one step with grad.
// Flow matching (DESIGN §3): x_σ = (1−σ)·x₀ + σ·ε, v = ε − x₀, so the one-step prediction is x̂₀ = x_σ − σ·v̂.
// The papers use DDIM / DDPM samplers on SD; here the sampler is the Euler ODE of generate/ode-step.ts.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { odeEulerStep } from '../../generate/ode-step.js';
import type { VelocityModel } from '../../generate/types.js';

/** Euler ODE steps [from, to) of `sigmas` (σ_i → σ_{i+1}) from x; a graph only when grad mode is on. */
export function odeSteps<C>(model: VelocityModel<C>, cond: C, x: Tensor, sigmas: readonly number[], from: number, to: number): Tensor {
  let cur = x;
  for (let i = from; i < to; i++) {
    const next = torch.scope(() => {
      const v = model(cur, torch.full([cur.shape[0]!], sigmas[i]!, { dtype: cur.dtype }), cond); // v̂(x_σ, σ)
      return odeEulerStep({ velocity: v, sample: cur, sigma: sigmas[i]!, sigmaNext: sigmas[i + 1]! }); // x' = x + (σ'−σ)·v̂
    });
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur === x ? x.clone() : cur;
}

/** x̂₀ = x_σ − σ·v̂(x_σ, σ): the one-step prediction of the clean sample (graph kept when grad mode is on). */
export function predictX0<C>(model: VelocityModel<C>, cond: C, x: Tensor, sigma: number): Tensor {
  return torch.scope(() => {
    const v = model(x, torch.full([x.shape[0]!], sigma, { dtype: x.dtype }), cond); // v̂ = ε̂ − x̂₀
    return x.sub(v.mul(sigma)); // x̂₀ = x_σ − σ·v̂
  });
}

/**
 * DRaFT-K: x₀ from x_T [B, ...] through all `sigmas.length − 1` steps; only the last `k` steps are recorded for
 * autograd. The input of step N − k is detached, so parameters used only in earlier steps get no gradient.
 */
export function draftSample<C>(model: VelocityModel<C>, cond: C, xT: Tensor, sigmas: readonly number[], k: number): Tensor {
  const N = sigmas.length - 1;
  if (!Number.isInteger(k) || k < 1 || k > N) {
    throw new Error(`refract DRaFT: k must be an integer in [1, steps=${N}], got ${k} — DRaFT-1 uses 1`);
  }
  const xStart = torch.noGrad(() => odeSteps(model, cond, xT, sigmas, 0, N - k)); // no graph: steps 0..N−k−1
  try {
    return odeSteps(model, cond, xStart, sigmas, N - k, N); // with grad: the last k steps
  } finally {
    xStart.dispose();
  }
}

/**
 * DRaFT-LV's re-noised last step: for each of `noises` ε_i [B, ...], x_σ = (1−σ)·sg(x₀) + σ·ε_i at σ = σ_{N−1}, then
 * x̂₀_i = x_σ − σ·v̂ with grad. Returns the n predictions stacked along dim 0: [n·B, ...] (condition repeated).
 */
export function draftLvPredictions<C>(
  model: VelocityModel<C>,
  condRepeated: C,
  x0: Tensor,
  sigma: number,
  noises: readonly Tensor[],
): Tensor {
  return torch.scope(() => {
    const clean = x0.detach();
    const noised = torch.cat(noises.map((e) => clean.mul(1 - sigma).add(e.mul(sigma))), 0); // x_σ = (1−σ)x₀ + σε_i
    return predictX0(model, condRepeated, noised, sigma);
  });
}

/** ReFL: x̂₀ predicted at step `stop` (σ_stop) after `stop` Euler steps without a graph; the prediction has one. */
export function reflPrediction<C>(model: VelocityModel<C>, cond: C, xT: Tensor, sigmas: readonly number[], stop: number): Tensor {
  const N = sigmas.length - 1;
  if (!Number.isInteger(stop) || stop < 0 || stop >= N) {
    throw new Error(`refract ReFL: stop step must be an integer in [0, ${N - 1}], got ${stop}`);
  }
  const xStop = torch.noGrad(() => odeSteps(model, cond, xT, sigmas, 0, stop));
  try {
    return predictX0(model, cond, xStop, sigmas[stop]!);
  } finally {
    xStop.dispose();
  }
}
