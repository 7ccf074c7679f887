// The hook through which reward-hacking monitors (src/reliability/monitor/) steer the shared training loop.
// This file holds types only (no imports of trainer code), so a monitor can implement it with `import type`
// without pulling the loop in. The loop calls `observe` after every periodic evaluation and applies the actions
// it returns, in order, before the next iteration.
import type { RGBImage } from '../../data/image.js';
import type { DenseMap, RewardPrompt } from '../../rewards/types.js';

/** Gold (ground-truth evaluator) scores of one evaluation; absent when the prompt source has no gold evaluator. */
export interface GoldSnapshot {
  /** ShapesEval overall: mean of the category accuracies, in [0, 1]. */
  overall: number;
  categories: Readonly<Record<string, number>>;
  /** Image-level accuracy on held-out prompt combinations (NaN when the subset has none). */
  heldOut: number;
  inDistribution: number;
  /**
   * Per evaluation prompt, 1 if its image passed the gold evaluator, else 0 (same prompts and seeds at every
   * evaluation of a run, so two snapshots give a paired before/after comparison); absent in older stores.
   */
  perPrompt?: readonly number[];
}

/**
 * What the loop knows at an evaluation of iteration `iteration` (0 = the base model, before any update).
 * `images[i]` was generated for `prompts[i]` by the current policy with fixed evaluation seeds (the same seeds at
 * every evaluation, so snapshots compare like for like); `proxyPerImage[i]` is the training (proxy) reward of it.
 */
export interface EvalSnapshot {
  iteration: number;
  /** Gold scores of `images` (Shapes source); undefined for sources without a gold evaluator. */
  gold?: GoldSnapshot;
  /** Mean proxy reward of `images`. */
  proxy: number;
  /** Per-component means of the proxy reward on `images`. */
  proxyComponents: Readonly<Record<string, number>>;
  /** Mean klToReference of the training iterations since the previous evaluation (NaN when not computed). */
  klToReference: number;
  /** Mean proxy reward of the training iterations since the previous evaluation (on their own samples). */
  trainReward: number;
  images: readonly RGBImage[];
  prompts: readonly RewardPrompt[];
  proxyPerImage: Float32Array;
  /** The proxy's components per image, and its dense maps when it has any (stored with the samples for the Studio). */
  proxyComponentsPerImage?: Readonly<Record<string, Float32Array>>;
  proxyDense?: Readonly<Record<string, DenseMap>>;
  /** Extra scalar statistics the loop computed (e.g. diversity); free-form, numbers only. */
  stats: Readonly<Record<string, number>>;
}

/**
 * What a monitor may ask the loop to do. Every action carries a human-readable `reason` (logged to the console,
 * and to the run store as a diagnostic `monitor_<kind>` = 1 at the iteration).
 * - warn: log only.
 * - raise_kl: multiply the algorithm's KL coefficient by `factor` (> 1) via Algorithm.scaleKlCoefficient;
 *   algorithms without a KL term ignore it (the loop logs that).
 * - rollback: reload the policy weights and algorithm state saved at the evaluation of iteration `toIteration`
 *   (the loop checkpoints every evaluation while a monitor is attached), or, without `toIteration`, at the best
 *   evaluation so far (by gold overall, or by the proxy on the evaluation set when there is no gold); then continue
 *   from the current iteration. KL raises made since that evaluation are kept.
 * - stop: end the run now; it is recorded with status 'stopped' and a final checkpoint is written.
 */
export type MonitorAction =
  | { kind: 'warn'; reason: string }
  | { kind: 'raise_kl'; factor: number; reason: string }
  | { kind: 'rollback'; reason: string; toIteration?: number }
  | { kind: 'stop'; reason: string };

export type MonitorActionKind = MonitorAction['kind'];

/** A reward-hacking (or any) monitor: observes each evaluation snapshot, returns the actions to take. */
export interface TrainingMonitor {
  readonly name: string;
  /** Called after every periodic evaluation (including iteration 0, the base); may be async. */
  observe(snapshot: EvalSnapshot): readonly MonitorAction[] | Promise<readonly MonitorAction[]>;
  /** JSON state saved in training checkpoints so `--resume` continues the monitor exactly (optional). */
  stateDict?(): Record<string, unknown>;
  loadStateDict?(state: Record<string, unknown>): void;
}
