// `refract compare CONFIG.yaml [--json] [--resume] [--arms a,b]`: post-train the same base with several algorithms under one
// budget of generated samples and print algorithm × (optimised reward, gold, proxy, KL, diversity, samples, wall
// time). Each arm's run (store, checkpoints, report with its curves) lands in <out>/<algorithm>/; the table in
// <out>/compare.json.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatCompareTable, loadCompareConfig, runCompare, armConfig, parseArms } from '../train/compare.js';
import { consoleHooks, reportRun } from './train.js';
import { EXIT } from './errors.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('post-train one base with several algorithms under the same sample budget and compare them')
    .argument('<config>', 'YAML compare config, e.g. configs/compare-shapes.yaml')
    .option('--json', 'print the table as JSON')
    .option('--resume', 'resume each arm from its latest checkpoint (finished arms are not rerun)')
    .option('--arms <list>', 'run only these arms, comma-separated (one process per core; a later --resume without --arms tables them all)')
    .action(async (file: string, o: { json?: boolean; resume?: boolean; arms?: string }) => {
      const config = loadCompareConfig(file);
      const arms = o.arms === undefined ? config.algorithms : parseArms(config, o.arms);
      const stops: (() => void)[] = [];
      const rows = await runCompare(
        config,
        (a) => {
          const h = consoleHooks(armConfig(config, a), a);
          stops.push(() => h.stop());
          return o.json ? {} : h;
        },
        o.resume === true,
        arms,
      );
      for (const stop of stops) stop();
      for (const r of rows) if (r.status === 'finished' || r.status === 'stopped') await reportRun(r.out, r.runId);
      mkdirSync(config.out, { recursive: true });
      // a subset's table is its own file, so two processes never write one file
      const json = path.join(config.out, o.arms === undefined ? 'compare.json' : `compare.${arms.join('+')}.json`);
      writeFileSync(json, `${JSON.stringify({ budget: config.budget, rows }, null, 2)}\n`);
      if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(`\n${formatCompareTable(rows)}\n\ntable: ${json}\n`);
      if (rows.some((r) => r.status === 'failed' || r.status === 'diverged')) process.exitCode = EXIT.failedRun;
    });
}
