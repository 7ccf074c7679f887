// `refract overopt CONFIG.yaml`: the overoptimisation experiment of #5 (src/train/overopt/) — GRPO against a learned
// proxy with the hacking monitor attached; writes overopt-log.jsonl, overopt-summary.json and the proxy/gold-vs-√KL
// figure into the run's `out` folder.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runOveroptExperiment } from '../train/overopt/experiment.js';
import { overoptFigureSvg } from '../train/overopt/figure.js';
import { readOveroptRun } from '../train/overopt/log.js';
import { writeChartFiles } from '../eval/report/chart-render.js';
import { CliError } from './errors.js';

export function registerOveropt(program: Command): void {
  program
    .command('overopt')
    .description('overoptimisation experiment: GRPO against a learned proxy, gold vs proxy vs d = sqrt(KL), monitor alarms')
    .argument('[config]', 'YAML, e.g. configs/overopt-monitored.yaml')
    .option('--plot <runDirs...>', 'no training: draw the runs in these folders (their overopt-log.jsonl) in one figure')
    .option('--to <file>', 'with --plot: the figure path without extension (.svg and .png are written)', 'overopt-figure')
    .action(async (file: string | undefined, opts: { plot?: string[]; to: string }) => {
      if (opts.plot !== undefined) {
        const svg = await overoptFigureSvg(opts.plot.map((d) => readOveroptRun(d)));
        console.log(JSON.stringify({ figure: writeChartFiles(opts.to, svg) }, null, 2));
        return;
      }
      if (file === undefined) throw new CliError('overopt', 'config must be given (a YAML file), or --plot RUN_DIR... to draw finished runs');
      if (!existsSync(file)) throw new CliError('overopt', `config must be a YAML file, got ${file} (no such file)`);
      const r = await runOveroptExperiment(file);
      const out = path.dirname(r.training.storeFile);
      const svg = await overoptFigureSvg([{ name: path.basename(out), history: r.history, alarms: r.alarms }]);
      const files = writeChartFiles(path.join(out, 'overopt'), svg);
      console.log(JSON.stringify({ summary: r.summary, figure: files }, null, 2));
    });
}
