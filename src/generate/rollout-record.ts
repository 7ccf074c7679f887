// Collects per-step results of a rollout and stacks them into a Trajectory's tensors.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { StepResult } from './types.js';

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
