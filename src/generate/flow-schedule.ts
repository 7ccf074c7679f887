// Noise levels for flow-matching samplers: σ from 1 to 0, optionally time-shifted as in SD3.

/**
 * SD3's resolution-dependent time shift (Esser et al., arXiv 2403.03206, §5.3.2, Eq. 23):
 * σ' = shift·σ / (1 + (shift − 1)·σ). shift > 1 spends more steps at high noise; shift = 1 is the identity.
 */
export function timeShift(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma); // σ' = s·σ / (1 + (s−1)·σ)
}

export interface FlowSigmasOptions {
  /** SD3 time shift (SD3 uses 3.0); default 1 (no shift). */
  shift?: number;
}

/**
 * The `steps + 1` noise levels of a flow sampler, σ_0 = 1 > σ_1 > … > σ_steps = 0: σ_i = timeShift(1 − i/steps).
 * Step i goes from σ_i to σ_{i+1}. Like diffusers' FlowMatchEulerDiscreteScheduler.set_timesteps with
 * `sigmas = linspace(1, 1/steps, steps)` plus the appended terminal 0 (what flow_grpo's Flux path passes);
 * diffusers' SD3 default instead ends its linspace at the shifted σ_min = 1/1000, a hair away from 1/steps.
 */
export function flowSigmas(steps: number, opts: FlowSigmasOptions = {}): number[] {
  const shift = opts.shift ?? 1;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`refract flowSigmas: steps must be a positive integer, got ${steps} — pass e.g. 10`);
  }
  if (!(shift > 0)) throw new Error(`refract flowSigmas: shift must be > 0, got ${shift} — SD3 uses 3`);
  const sigmas: number[] = [];
  for (let i = 0; i <= steps; i++) sigmas.push(timeShift(1 - i / steps, shift)); // σ_i = shift(1 − i/N)
  sigmas[steps] = 0; // exactly 0 at the end
  return sigmas;
}

/**
 * The value Flow-GRPO substitutes for σ = 1 in the SDE's 1/(1−σ): the first sigma below 1 (flow_grpo reads
 * `scheduler.sigmas[1]`).
 */
export function sigmaMaxOf(sigmas: readonly number[]): number {
  const below = sigmas.find((s) => s < 1);
  if (below === undefined)
    throw new Error('refract sigmaMaxOf: sigmas must contain a value below 1 — use flowSigmas(steps)');
  return below;
}
