// `refract bench engine|e2e|generate [--json]`: engine speed against Python PyTorch per op and model step
// (bench/engine.ts), one GRPO iteration end to end against a plain PyTorch script (bench/e2e-grpo.ts), and the
// shipped base's sampling / training throughput (bench/generate.ts).
import type { Command } from 'commander';
import { runEngineBench, ENGINE_CASES, pythonTorch } from '../../bench/engine.js';
import { runGenerateBench } from '../../bench/generate.js';
import { runE2eBench } from '../../bench/e2e-grpo.js';
import { CliError, parseThreadList } from './errors.js';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run a benchmark suite and print its results (JSON lines with --json)')
    .argument('<suite>', 'suite to run: engine | e2e | generate')
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
      if (suite === 'e2e') {
        const rounds = opts.quick ? 1 : 2;
        for (const row of runE2eBench({ threads, rounds, iterations: opts.quick ? 2 : 3, python: pythonTorch() })) {
          console.log(JSON.stringify(row));
        }
        return;
      }
      if (suite !== 'engine') throw new CliError('bench', `suite must be "engine", "e2e" or "generate", got "${suite}"`);
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
