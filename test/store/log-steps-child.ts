// Child process for the kill test (run-store-kill.test.ts): opens the store given on the command line and logs
// steps forever, each with DIAGNOSTICS_PER_STEP diagnostics, printing "ready" after the first 20. Run with no
// arguments (as the test runner does for every file under test/) it does nothing.
import { RunStore } from '../../src/store/run-store.js';

export const DIAGNOSTICS_PER_STEP = 8;

const file = process.argv[2];
if (file !== undefined && process.argv[1]?.endsWith('log-steps-child.js')) {
  const store = RunStore.open(file);
  const run = store.createRun({ name: 'kill-test', kind: 'test', config: { loop: true }, seed: 1 });
  for (let step = 0; ; step++) {
    const diagnostics: Record<string, number> = {};
    for (let d = 0; d < DIAGNOSTICS_PER_STEP; d++) diagnostics[`d${d}`] = step * 10 + d;
    store.logStep(run, step, { loss: 1 / (step + 1), step }, diagnostics);
    if (step === 20) process.stdout.write('ready\n');
  }
}
