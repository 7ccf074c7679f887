// Independent float64 evaluations of the sampler-step formulas (DESIGN.md §3), element by element in plain JS.
// Inputs are flat arrays of a [B, D] layout; per-sample scalars are arrays of length B.

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export interface RefStep {
  mean: number[];
  logProb: number[]; // per sample, per-element mean
  std: number[]; // per sample: the reference's std_dev_t
  transitionStd: number[]; // per sample
}

function logProbs(prev: number[], mean: number[], tstd: number[], B: number): number[] {
  const D = prev.length / B;
  return Array.from({ length: B }, (_, b) => {
    let acc = 0;
    for (let j = 0; j < D; j++) {
      const d = prev[b * D + j]! - mean[b * D + j]!;
      acc += -(d * d) / (2 * tstd[b]! ** 2) - Math.log(tstd[b]!) - LOG_SQRT_2PI;
    }
    return acc / D;
  });
}

/** Flow-GRPO SDE step. */
export function refSde(
  x: number[],
  v: number[],
  prev: number[],
  sigma: number[],
  sigmaNext: number[],
  sigmaMax: number,
  a: number,
): RefStep {
  const B = sigma.length;
  const D = x.length / B;
  const std = sigma.map((s) => a * Math.sqrt(s / (1 - (s === 1 ? sigmaMax : s))));
  const tstd = std.map((s, b) => s * Math.sqrt(sigma[b]! - sigmaNext[b]!));
  const mean = x.map((xi, k) => {
    const b = Math.floor(k / D);
    const s = sigma[b]!;
    const dt = sigmaNext[b]! - s;
    const st2 = std[b]! ** 2;
    return xi * (1 + (st2 * dt) / (2 * s)) + v[k]! * (1 + (st2 * (1 - s)) / (2 * s)) * dt;
  });
  return { mean, std, transitionStd: tstd, logProb: logProbs(prev, mean, tstd, B) };
}

/** CPS step (exact Gaussian log-density). */
export function refCps(
  x: number[],
  v: number[],
  prev: number[],
  sigma: number[],
  sigmaNext: number[],
  a: number,
): RefStep {
  const B = sigma.length;
  const D = x.length / B;
  const std = sigmaNext.map((s) => s * Math.sin((a * Math.PI) / 2));
  const mean = x.map((xi, k) => {
    const b = Math.floor(k / D);
    const s = sigma[b]!;
    const sn = sigmaNext[b]!;
    const x0 = xi - s * v[k]!;
    const x1 = xi + (1 - s) * v[k]!;
    return (1 - sn) * x0 + Math.sqrt(sn * sn - std[b]! ** 2) * x1;
  });
  return { mean, std, transitionStd: std, logProb: logProbs(prev, mean, std, B) };
}

/** DDIM(η) step. */
export function refDdim(
  x: number[],
  eps: number[],
  prev: number[],
  aT: number[],
  aPrev: number[],
  eta: number,
): RefStep {
  const B = aT.length;
  const D = x.length / B;
  const std = aT.map((a, b) => eta * Math.sqrt(((1 - aPrev[b]!) / (1 - a)) * (1 - a / aPrev[b]!)));
  const mean = x.map((xi, k) => {
    const b = Math.floor(k / D);
    const x0 = (xi - Math.sqrt(1 - aT[b]!) * eps[k]!) / Math.sqrt(aT[b]!);
    return Math.sqrt(aPrev[b]!) * x0 + Math.sqrt(1 - aPrev[b]! - std[b]! ** 2) * eps[k]!;
  });
  return { mean, std, transitionStd: std, logProb: logProbs(prev, mean, std, B) };
}

/** ODE Euler step. */
export function refOde(x: number[], v: number[], sigma: number[], sigmaNext: number[]): number[] {
  const D = x.length / sigma.length;
  return x.map((xi, k) => xi + v[k]! * (sigmaNext[Math.floor(k / D)]! - sigma[Math.floor(k / D)]!));
}

/** flow_grpo's per-step KL: mean over elements of (Δμ)² / (2·std²). */
export function refKl(m1: number[], m2: number[], std: number[]): number[] {
  const B = std.length;
  const D = m1.length / B;
  return std.map((s, b) => {
    let acc = 0;
    for (let j = 0; j < D; j++) acc += (m1[b * D + j]! - m2[b * D + j]!) ** 2 / (2 * s * s);
    return acc / D;
  });
}
