// LRScheduler: applies an LrLambda to an optimizer's groups (torch.optim.lr_scheduler.LambdaLR). The schedule
// itself is a pure function of the step (lr-schedules.ts); this class only remembers the step and the base lrs,
// and writes lr = base · f(step) into each group — at construction (step 0) and after every step().
import { TorchError } from '../native.js';
import type { LrLambda } from './lr-schedules.js';

/** What a scheduler needs of an optimizer: its groups' lrs. */
export interface HasParamGroups {
  paramGroups: { lr: number }[];
}

export interface LRSchedulerState {
  lastStep: number;
  baseLrs: number[];
}

export class LRScheduler {
  readonly baseLrs: number[];
  readonly #fns: LrLambda[];
  #lastStep = 0;

  /** `schedule` is one function for every group or one per group. */
  constructor(
    readonly optimizer: HasParamGroups,
    schedule: LrLambda | LrLambda[],
  ) {
    const n = optimizer.paramGroups.length;
    this.#fns = Array.isArray(schedule) ? schedule : Array<LrLambda>(n).fill(schedule);
    if (this.#fns.length !== n) {
      throw new TorchError(
        `schedule must be one function or ${n} (one per group), got ${this.#fns.length}`,
        'LRScheduler',
      );
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.#apply();
  }

  /** Completed optimizer steps so far (the argument the schedule was last evaluated at). */
  get lastStep(): number {
    return this.#lastStep;
  }

  /** Call after optimizer.step(): advances the schedule and sets the lr for the next update. */
  step(): void {
    this.#lastStep += 1;
    this.#apply();
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): LRSchedulerState {
    return { lastStep: this.#lastStep, baseLrs: this.baseLrs.slice() };
  }

  loadStateDict(s: LRSchedulerState): void {
    if (s.baseLrs.length !== this.baseLrs.length) {
      throw new TorchError(
        `baseLrs must have ${this.baseLrs.length} entries (one per group), got ${s.baseLrs.length}`,
        'LRScheduler.loadStateDict',
      );
    }
    this.baseLrs.splice(0, this.baseLrs.length, ...s.baseLrs);
    this.#lastStep = s.lastStep;
    this.#apply();
  }

  #apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.baseLrs[i]! * this.#fns[i]!(this.#lastStep);
    });
  }
}
