// The contract every post-training algorithm implements so one trainer (src/train/trainer.ts) can run it:
// GRPO, DDPO, Diffusion-DPO, RWR, ReFL/DRaFT, DiffusionNFT and AWM each live in their own folder (`<name>/algorithm.ts`
// holds the class) and differ only in `step`; the on-policy ones share its stages through online-algorithm.ts.
// The trainer owns everything around it — evaluation, checkpoints and exact resume, the NaN/Inf stop policy,
// the SQLite run store, hacking monitors, progress and reports (STYLE §4: loops and I/O apart from the math).
import type { Tensor } from '../torch/index.js';
import type { ImagePolicy } from '../models/index.js';
import type { RewardModel, RewardPrompt } from '../rewards/types.js';
import type { Rng } from '../data/rng.js';
import type { WordVocabulary } from '../data/vocabulary.js';
import type { ProcessGroup } from '../torch/distributed/index.js';

/** Where training prompts come from (the Shapes grammar, glyph words, class names...). */
export interface PromptSource {
  readonly name: string;
  /** One prompt, carrying the structured form the rewards need (RewardPrompt.shapes / glyph / classIndex). */
  sample(rng: Rng): RewardPrompt;
  /**
   * Whether the source could draw `prompt` (e.g. not a held-out combination it excludes); asked of prompts the run
   * did not draw itself, such as hindsight relabels (hindsight.ts). Absent: every prompt is admitted.
   */
  admits?(prompt: RewardPrompt): boolean;
}

/**
 * What an algorithm may ask of its reference: forward passes only (no parameters, no training). A frozen copy of
 * the base is one; with `lora` in the run config it is the policy itself with its adapters switched off
 * (src/train/lora.ts), sharing the policy's weights — `dispose` then frees nothing.
 */
export type ReferenceModel = Pick<ImagePolicy, 'encode' | 'encodeNull' | 'predict' | 'forward' | 'denoiser' | 'dispose'>;

/** What the trainer hands an algorithm once, at construction. */
export interface AlgorithmContext {
  /** The model being trained (its trainable parameters are the algorithm's to optimise). */
  policy: ImagePolicy;
  /** The base, frozen: the KL anchor / DPO reference (a frozen copy in eval mode, or the LoRA policy with adapters off). */
  reference: ReferenceModel;
  /** The (proxy) reward the algorithm optimises. Gold evaluation is the trainer's, not the algorithm's. */
  reward: RewardModel;
  prompts: PromptSource;
  /** Run seed: every random draw of iteration `it` must derive from deriveSeed(seed, it, ...) so resume is exact. */
  seed: number;
  /**
   * The tokenizer of the policy's prompts (the base checkpoint's testbed vocabulary); pass it to rolloutPrompts /
   * generateImages as `vocabulary`. Undefined means the Shapes vocabulary (their default).
   */
  vocabulary?: WordVocabulary;
  /**
   * Set when this process is one rank of a data-parallel run (refract train --nproc N, src/train/distributed/):
   * the on-policy algorithms then sample and score their share and average gradients across its ranks
   * (./data-parallel.ts).
   */
  dataParallel?: ProcessGroup;
}

/** What one iteration reports. Numbers only, so the store and the report can take them as they are. */
export interface AlgorithmStepLog {
  /** Images generated this iteration (the common budget unit of `refract compare`). */
  samples: number;
  /** Mean proxy reward of this iteration's own samples (NaN for offline algorithms without fresh samples). */
  reward: number;
  /** Mean of each reward component on those samples. */
  components: Record<string, number>;
  /** Scalar training metrics: loss, kl, gradNorm, clipFraction, approxKl, ... (stored per step). */
  metrics: Record<string, number>;
  /** Extra per-step diagnostics (stored in the diagnostics table): ratio per timestep, advantage stats, ... */
  diagnostics: Record<string, number>;
  /** True when a non-finite loss or gradient made the algorithm skip its parameter update this iteration. */
  skippedUpdate: boolean;
  /** Mean KL-to-reference estimate of this iteration (the monitor's d = sqrt(KL)); NaN when not computed. */
  klToReference: number;
}

/** Serializable algorithm state for exact resume: tensors (optimizer moments, ...) and JSON (stat trackers, ...). */
export interface AlgorithmState {
  tensors: Record<string, Tensor>;
  json: Record<string, unknown>;
}

export interface Algorithm {
  readonly name: string;
  /** One iteration: generate (or read) samples, score, assign credit, update the policy. */
  step(iteration: number): Promise<AlgorithmStepLog>;
  /** Multiply the KL coefficient (the monitor's "raise KL" action); algorithms without one ignore it. */
  scaleKlCoefficient?(factor: number): void;
  /**
   * Puts the weights the trainer should evaluate and ship into the policy (an EMA of it, when the algorithm keeps
   * one for that) and returns the function that restores the trained weights exactly. Absent: the policy's own.
   */
  swapInEvaluatedWeights?(): () => void;
  /** The run is over: the weights it evaluated replace the trained ones for good (before the final model is written). */
  keepEvaluatedWeights?(): void;
  stateDict(): AlgorithmState;
  loadStateDict(state: AlgorithmState): void;
  dispose(): void;
}
