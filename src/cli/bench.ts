// `refract bench engine [--json]`: engine speed against Python PyTorch (bench/engine.ts).
import type { Command } from 'commander';
import { runEngineBench, ENGINE_CASES } from '../../bench/engine.js';
import { runGenerateBench } from '../../bench/generate.js';
import { CliError, parseThreadList } from './errors.js';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run a benchmark suite and print its results (JSON lines with --json)')
    .argument('<suite>', 'suite to run: engine | generate')
    .option('--json', 'print one JSON object per line')
    .option('--threads <list>', 'thread counts, comma-separated', '1,2')
    .option('--cases <list>', `subset of cases (${ENGINE_CASES.join(', ')})`)
    .option('--quick', 'fewer iterations (a smoke run, not a measurement)')
    .action((suite: string, opts: { json?: boolean; threads: string; cases?: string; quick?: boolean }) => {
      const threads = parseThreadList('bench', opts.threads);
      if (suite === 'generate') {
        for (const row of runGenerateBench({ threads, quick: opts.quick })) console.log(JSON.stringify(row));
        return;
      }
      if (suite !== 'engine') throw new CliError('bench', `suite must be "engine" or "generate", got "${suite}"`);
      const cases = opts.cases?.split(',').map((s) => s.trim());
      for (const row of runEngineBench({ threads, cases, quick: opts.quick })) {
        if (opts.json) console.log(JSON.stringify(row));
        else {
          const py = row.pytorch_ms === null ? 'n/a' : `${row.pytorch_ms.toFixed(2)} ms`;
          console.log(`${row.case.padEnd(14)} threads=${row.threads}  refract ${row.refract_ms.toFixed(2)} ms  pytorch ${py}  ratio ${row.ratio ?? 'n/a'}`);
        }
      }
    });
}
