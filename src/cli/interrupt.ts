// Ctrl-C and SIGTERM for the long-running commands (train, compare, demo): the first signal asks the loop to stop
// after the current iteration (it checkpoints and marks the run 'interrupted'); a second one ends the process at
// once, after the loop's last words (the run still marked interrupted, the lock released). Exit code 130 for
// SIGINT, 143 for SIGTERM. Other commands keep Node's default: the signal ends them at once.
import { StopRequest, type StopSignal } from '../train/interrupt.js';
import { EXIT } from './errors.js';

export function exitCodeOfSignal(signal: StopSignal): number {
  return signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
}

/** Installs the handlers; returns the stop request the loop polls and a function that removes them again. */
export function catchStopSignals(command: string): { stop: StopRequest; restore(): void } {
  const stop = new StopRequest();
  const handler = (signal: StopSignal): void => {
    if (stop.requested === null) {
      process.stderr.write(
        `\nrefract ${command}: ${signal} received — stopping after the current iteration (checkpoint, status "interrupted"); send it again to stop without finishing the iteration\n`,
      );
      stop.request(signal);
      return;
    }
    process.stderr.write(`\nrefract ${command}: ${signal} received again — stopping now; resume with --resume\n`);
    stop.force(signal);
    process.exit(exitCodeOfSignal(stop.requested));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stop,
    restore: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
