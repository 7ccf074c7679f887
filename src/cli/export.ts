// `refract export RUN_DIR --iteration N --out DIR`: the model an evaluation of a training run judged, as a checkpoint
// folder that `refract eval` / `sample` / `train base:` read (src/train/export-evaluated.ts).
import type { Command } from 'commander';
import { exportEvaluatedModel } from '../train/export-evaluated.js';
import { parseIntOption } from './options.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write the model a training run evaluated at one iteration as a checkpoint folder (the run's out folder; iterations with an evaluation)")
    .argument('<run>', "the run's out folder, e.g. runs/headline-shapes-encoder-1e4")
    .requiredOption('--iteration <n>', 'an evaluated iteration of the run')
    .requiredOption('--out <dir>', 'a new (or empty) folder for the checkpoint')
    .action((run: string, o: { iteration: string; out: string }) => {
      const iteration = parseIntOption('export', '--iteration', o.iteration);
      const r = exportEvaluatedModel(run, iteration, o.out);
      console.log(`wrote ${r.dest}: iteration ${r.iteration}${r.evaluatedEma ? ' (the evaluated EMA)' : ''}`);
    });
}
