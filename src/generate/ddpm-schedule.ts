// DDPM noise schedules (β_t → ᾱ_t) and DDIM's choice of inference timesteps.

export type BetaSchedule = 'linear' | 'scaled_linear' | 'cosine';

export interface BetaScheduleOptions {
  schedule?: BetaSchedule;
  /** β_1 for 'linear' / 'scaled_linear' (DDPM: 1e-4; Stable Diffusion: 0.00085). */
  betaStart?: number;
  /** β_T for 'linear' / 'scaled_linear' (DDPM: 0.02; Stable Diffusion: 0.012). */
  betaEnd?: number;
  /** Cap on β_t for 'cosine' (Nichol & Dhariwal use 0.999). */
  maxBeta?: number;
}

/**
 * β_0..β_{T−1} of a DDPM forward process.
 * - 'linear': linspace(β_start, β_end, T) (Ho et al., arXiv 2006.11239, §4).
 * - 'scaled_linear': linspace(√β_start, √β_end, T)² (Stable Diffusion; diffusers' name).
 * - 'cosine': β_t = min(1 − ᾱ(t+1)/ᾱ(t), maxBeta) with ᾱ(t) = cos²(((t/T) + s)/(1 + s)·π/2), s = 0.008
 *   (Nichol & Dhariwal, arXiv 2102.09672, Eq. 17; diffusers' 'squaredcos_cap_v2').
 */
export function ddpmBetas(numTrainTimesteps: number, opts: BetaScheduleOptions = {}): number[] {
  const T = numTrainTimesteps;
  if (!Number.isInteger(T) || T < 2) {
    throw new Error(`refract ddpmBetas: numTrainTimesteps must be an integer ≥ 2, got ${T} — DDPM uses 1000`);
  }
  const schedule = opts.schedule ?? 'linear';
  const b0 = opts.betaStart ?? 1e-4;
  const b1 = opts.betaEnd ?? 0.02;
  const lin = (a: number, b: number, i: number): number => a + ((b - a) * i) / (T - 1);
  switch (schedule) {
    case 'linear':
      return Array.from({ length: T }, (_, i) => lin(b0, b1, i)); // β_i = linspace(β_start, β_end)
    case 'scaled_linear':
      return Array.from({ length: T }, (_, i) => lin(Math.sqrt(b0), Math.sqrt(b1), i) ** 2); // β_i = linspace(√…)²
    case 'cosine': {
      const maxBeta = opts.maxBeta ?? 0.999;
      const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2; // ᾱ(t), t ∈ [0,1]
      return Array.from({ length: T }, (_, i) => Math.min(1 - alphaBar((i + 1) / T) / alphaBar(i / T), maxBeta)); // Eq. 17
    }
  }
}

/** ᾱ_t = Π_{s≤t} (1 − β_s) (Ho et al., §2). */
export function alphasCumprod(betas: readonly number[]): number[] {
  let prod = 1;
  return betas.map((b) => (prod *= 1 - b)); // ᾱ_t = ᾱ_{t−1}·(1 − β_t)
}

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

export interface DdimScheduleOptions {
  /** How the N inference timesteps are spread over [0, T) (diffusers' timestep_spacing); default 'leading'. */
  spacing?: TimestepSpacing;
  /** Added to 'leading' timesteps (Stable Diffusion uses 1); default 0. */
  stepsOffset?: number;
  /** ᾱ after the last step: 1 when true, else ᾱ_0 (diffusers' set_alpha_to_one; SD and DDPO use false). */
  setAlphaToOne?: boolean;
}

/**
 * DDIM's N inference timesteps, descending, as diffusers' DDIMScheduler.set_timesteps:
 * 'leading' t_i = i·⌊T/N⌋ + offset; 'trailing' t_i = round(T − i·T/N) − 1; 'linspace' round(linspace(0, T−1, N)).
 */
export function ddimTimesteps(numTrainTimesteps: number, steps: number, opts: DdimScheduleOptions = {}): number[] {
  const T = numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new Error(`refract ddimTimesteps: steps must be an integer in [1, ${T}], got ${steps} — pass e.g. 50`);
  }
  const spacing = opts.spacing ?? 'leading';
  const idx = Array.from({ length: steps }, (_, i) => i);
  if (spacing === 'leading') {
    const ratio = Math.floor(T / steps);
    return idx.map((i) => i * ratio + (opts.stepsOffset ?? 0)).reverse(); // t_i = i·⌊T/N⌋ + offset
  }
  if (spacing === 'trailing') return idx.map((i) => Math.round(T - (i * T) / steps) - 1); // already descending
  return idx.map((i) => Math.round(steps === 1 ? 0 : (i * (T - 1)) / (steps - 1))).reverse();
}

/** Per-step ᾱ values of a DDIM run: step i goes from ᾱ_{t_i} to ᾱ_{t_{i+1}} (the final step to ᾱ_final). */
export interface DdimSchedule {
  timesteps: number[];
  alphaProdT: number[];
  alphaProdTPrev: number[];
}

/**
 * The DDIM schedule for `steps` inference steps over `alphasCumprod` (length T). The "previous" level of step i
 * is the next timestep in the list — equal to diffusers' t − ⌊T/N⌋ for 'leading' spacing; for the other
 * spacings diffusers still subtracts ⌊T/N⌋, which can skip or repeat a level, and we do not.
 */
export function ddimSchedule(alphaBar: readonly number[], steps: number, opts: DdimScheduleOptions = {}): DdimSchedule {
  const T = alphaBar.length;
  const timesteps = ddimTimesteps(T, steps, opts);
  for (const t of timesteps) {
    if (t < 0 || t >= T)
      throw new Error(`refract ddimSchedule: timestep ${t} is outside [0, ${T}) — lower stepsOffset`);
  }
  const finalAlpha = opts.setAlphaToOne ? 1 : alphaBar[0]!;
  const alphaProdT = timesteps.map((t) => alphaBar[t]!);
  const alphaProdTPrev = timesteps.map((_, i) => (i + 1 < steps ? alphaBar[timesteps[i + 1]!]! : finalAlpha));
  return { timesteps, alphaProdT, alphaProdTPrev };
}
