// A stop request from outside the loop (Ctrl-C, SIGTERM): the CLI owns the process's signal handlers and forwards
// them here; the training loop polls `requested` between iterations, so the current iteration ends cleanly, a
// checkpoint is written and the run is marked 'interrupted' (resumable). A second signal asks to stop at once:
// `force` runs the registered last-words (mark the run interrupted, release the lock) before the CLI exits.

export type StopSignal = 'SIGINT' | 'SIGTERM';

export class StopRequest {
  #signal: StopSignal | null = null;
  readonly #lastWords: (() => void)[] = [];

  /** The signal that asked the run to stop, or null. */
  get requested(): StopSignal | null {
    return this.#signal;
  }

  /** Asks the loop to stop after the current iteration (the first signal wins). */
  request(signal: StopSignal): void {
    this.#signal ??= signal;
  }

  /** Registers what must happen if the process is ended before the loop gets to stop; returns its remover. */
  onForce(fn: () => void): () => void {
    this.#lastWords.push(fn);
    return () => {
      const i = this.#lastWords.indexOf(fn);
      if (i >= 0) this.#lastWords.splice(i, 1);
    };
  }

  /** Runs the last words (newest first); each failure is swallowed so the others still run. */
  force(signal: StopSignal): void {
    this.request(signal);
    for (const fn of [...this.#lastWords].reverse()) {
      try {
        fn();
      } catch {
        // the process is ending: nothing better to do
      }
    }
    this.#lastWords.length = 0;
  }
}
