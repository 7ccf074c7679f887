// `refract report RUN_DIR [--run ID] [--json] [--no-png]`: writes (or refreshes) RUN_DIR/report.html, report.json
// and the chart files under RUN_DIR/report/, then prints the page's path and a summary table (or the summary JSON).
import type { Command } from 'commander';
import type { TrainingReportSummary } from '../eval/report/training-report.js';
import { ReportInputError } from '../eval/report/run-data.js';
import { num } from '../eval/report/report-html.js';
import { CliError } from './errors.js';

interface ReportFlags {
  run?: string;
  json?: boolean;
  png: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write the HTML report of a training run (curves, ShapesEval before/after, KL, ratio diagnostics, samples)',
    )
    .argument('<runDir>', 'run folder (the --out of refract train, holding runs.sqlite)')
    .option('--run <id>', 'run id inside the store (default: the newest run)')
    .option('--json', 'print the report summary as JSON instead of a table')
    .option('--no-png', 'write SVG charts only (skip the PNG copies)')
    .action(async (runDir: string, o: ReportFlags) => {
      const runId = o.run === undefined ? undefined : Number(o.run);
      if (runId !== undefined && (!Number.isSafeInteger(runId) || runId < 1)) {
        throw new CliError('report', `--run must be a positive integer run id, got "${o.run}"`);
      }
      try {
        // Loaded on use: the chart renderer (vega, resvg) adds ~1 s to start-up that other commands need not pay.
        const { writeTrainingReport } = await import('../eval/report/training-report.js');
        const r = await writeTrainingReport(runDir, { png: o.png, ...(runId !== undefined ? { runId } : {}) });
        if (o.json) console.log(JSON.stringify({ html: r.html, json: r.json, summary: r.summary }));
        else console.log(`${summaryTable(r.summary)}\nreport: ${r.html}`);
      } catch (err) {
        if (err instanceof ReportInputError) throw new CliError('report', err.detail);
        throw err;
      }
    });
}

/** Plain-text table: start/end of the headline metrics and of each evaluation suite's overall and categories. */
export function summaryTable(s: TrainingReportSummary): string {
  const rows: [string, string, string][] = [];
  const rew = s.metrics['reward'];
  if (rew !== undefined && rew.n > 0) rows.push(['proxy reward (train)', num(rew.first), num(rew.last)]);
  if (s.kl !== null)
    rows.push([`KL (${s.kl.metric}) / d at end`, num(s.kl.first), `${num(s.kl.last)} / ${num(s.kl.dLast)}`]);
  for (const [suite, ba] of Object.entries(s.evaluations)) {
    for (const r of ba.rows)
      rows.push([
        `${suite} ${r.name}${r.name === 'overall' ? ` (it ${ba.beforeStep}→${ba.afterStep})` : ''}`,
        num(r.before),
        num(r.after),
      ]);
  }
  const head = `run ${s.run.id} ${s.run.name} (${s.run.kind}, ${s.run.status}), ${s.steps.count} steps`;
  if (rows.length === 0) return `${head}\n(no reward, KL or evaluation logged)`;
  const w = Math.max(...rows.map((r) => r[0].length), 6);
  const line = (a: string, b: string, c: string): string => `  ${a.padEnd(w)}  ${b.padStart(10)}  ${c.padStart(16)}`;
  return [head, line('', 'start', 'end'), ...rows.map(([a, b, c]) => line(a, b, c))].join('\n');
}
