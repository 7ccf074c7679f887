// Collects per-step results of a rollout and stacks them into a Trajectory's tensors.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { StepResult } from './types.js';
import { standardNormal } from './per-sample.js';

export interface RecordOptions {
  recordLatents: boolean;
  recordMeans: boolean;
}

/** Per-step accumulator; `finish` stacks along dim 1 (after the batch). Call inside a scope. */
export class RolloutRecord {
  readonly #latents: Tensor[] = [];
  readonly #means: Tensor[] = [];
  readonly #logProbs: Tensor[] = [];
  readonly #stdDevs: Tensor[] = [];
  readonly #transitionStds: Tensor[] = [];

  constructor(
    readonly initialNoise: Tensor,
    readonly options: RecordOptions,
  ) {
    if (options.recordLatents) this.#latents.push(initialNoise);
  }

  add(step: StepResult): void {
    const B = step.logProb.shape[0]!;
    if (this.options.recordLatents) this.#latents.push(step.prevSample);
    if (this.options.recordMeans) this.#means.push(step.prevSampleMean);
    this.#logProbs.push(step.logProb);
    this.#stdDevs.push(step.stdDev.reshape([B]));
    this.#transitionStds.push(step.transitionStd.reshape([B]));
  }

  finish(finalSample: Tensor): {
    initialNoise: Tensor;
    latents: Tensor | null;
    means: Tensor | null;
    logProbs: Tensor;
    stdDevs: Tensor;
    transitionStds: Tensor;
    finalSample: Tensor;
  } {
    return {
      initialNoise: this.initialNoise,
      latents: this.options.recordLatents ? torch.stack(this.#latents, 1) : null, // [B, T+1, …]
      means: this.options.recordMeans ? torch.stack(this.#means, 1) : null, // [B, T, …]
      logProbs: torch.stack(this.#logProbs, 1), // [B, T]
      stdDevs: torch.stack(this.#stdDevs, 1), // [B, T]
      transitionStds: torch.stack(this.#transitionStds, 1), // [B, T]
      finalSample,
    };
  }
}

export interface RolloutLoopOptions {
  seeds: readonly number[];
  /** One sample's latent shape. */
  shape: readonly number[];
  dtype: 'float32' | 'float64';
  steps: number;
  record: RecordOptions;
  /** Caller name for error messages. */
  fn: string;
  /** Step i from latent x; draws its noise from `gens` (one Generator per sample). */
  step: (i: number, x: Tensor, gens: readonly torch.Generator[]) => StepResult;
}

/**
 * The loop every sampler shares: x_T ~ N(0, I) from one Generator per seed, then `steps` transitions, each
 * recorded, under noGrad. Generators are freed even if a step throws.
 */
export function runRolloutLoop(o: RolloutLoopOptions): ReturnType<RolloutRecord['finish']> {
  const gens = o.seeds.map((s) => new torch.Generator(s));
  try {
    return torch.noGrad(() =>
      torch.scope(() => {
        const noise = standardNormal([o.seeds.length, ...o.shape], o.dtype, gens, o.fn); // x_T ~ N(0, I), per sample
        const record = new RolloutRecord(noise, o.record);
        let x: Tensor = noise;
        for (let i = 0; i < o.steps; i++) {
          const step = torch.scope(() => o.step(i, x, gens));
          record.add(step);
          x = step.prevSample;
        }
        return record.finish(x);
      }),
    );
  } finally {
    for (const g of gens) g.dispose();
  }
}
