// Rank 0's view of the algorithm in a data-parallel run: the same algorithm, wrapped so that every iteration the
// shared loop runs is announced to the other ranks first (they step it in lockstep, ./follower.ts), rank 0's state
// is sent whenever it was replaced (the start, a resume, a monitor's rollback), and the monitor's KL raise reaches
// every rank. The loop (src/train/trainer.ts) and the session cannot tell it from the algorithm itself.
import type { Algorithm, AlgorithmState, AlgorithmStepLog } from '../../algorithms/algorithm.js';
import type { ImagePolicy } from '../../models/index.js';
import { faultError, type DistributedRun } from './run-group.js';
import { sendState } from './state-sync.js';

export class LeaderAlgorithm implements Algorithm {
  readonly scaleKlCoefficient?: (factor: number) => void;
  /** Rank 0 alone evaluates and writes the final model; every rank keeps the same evaluated copy. */
  readonly swapInEvaluatedWeights?: () => () => void;
  readonly keepEvaluatedWeights?: () => void;
  /** True until rank 0's state was sent, and again after it was replaced. */
  #stale = true;

  constructor(
    private readonly inner: Algorithm,
    private readonly run: DistributedRun,
    private readonly policy: ImagePolicy,
  ) {
    const swap = inner.swapInEvaluatedWeights?.bind(inner);
    if (swap) this.swapInEvaluatedWeights = swap;
    const keep = inner.keepEvaluatedWeights?.bind(inner);
    if (keep) this.keepEvaluatedWeights = keep;
    const scale = inner.scaleKlCoefficient?.bind(inner);
    if (scale) {
      this.scaleKlCoefficient = (factor: number): void => {
        scale(factor);
        this.run.control.post({ kind: 'scaleKl', factor });
      };
    }
  }

  get name(): string {
    return this.inner.name;
  }

  async step(iteration: number): Promise<AlgorithmStepLog> {
    try {
      if (this.#stale) {
        sendState(this.run, this.policy, this.inner);
        this.#stale = false;
      }
      this.run.control.post({ kind: 'step', iteration });
      return await this.inner.step(iteration);
    } catch (err) {
      throw faultError(this.run, err);
    }
  }

  stateDict(): AlgorithmState {
    return this.inner.stateDict();
  }

  loadStateDict(state: AlgorithmState): void {
    this.inner.loadStateDict(state);
    this.#stale = true; // a resume or a rollback: the policy was loaded with it
  }

  dispose(): void {
    this.inner.dispose();
  }
}
