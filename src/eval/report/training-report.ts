// The training report of a run folder: reads its run store, draws every chart its data supports, and writes
//   <runDir>/report.html      one self-contained page (inline SVG; images referenced relative to runDir)
//   <runDir>/report.json      the numbers of the page (TrainingReportSummary)
//   <runDir>/report/<id>.svg  each chart, and <id>.png beside it (unless png: false)
//   <runDir>/report/samples-first.png, samples-last.png  stored samples of the first and last sampled step, each
//                             with its prompt and the gold evaluator's ✓/✗ (sample-grids.ts)
// Sample grids are picked up from the run folder when the trainer wrote them: grid-before.png (the base model's
// evaluation images), grid-after.png (the final policy's), and any other grid-*.png / grid-*.gif.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chartPanelsSvg, groupedBarChartSvg, lineChartSvg } from './charts.js';
import { writeChartFiles } from './chart-render.js';
import { reportFigures, type Figure, type ReportSection } from './report-figures.js';
import { renderReportHtml } from './report-html.js';
import { loadRunData, monitorActions, type MonitorActionSummary, type RunData } from './run-data.js';
import { writeSampleGrids, type SampleGrid } from './sample-grids.js';
import {
  diagnosticSeries,
  klDistance,
  klMetricName,
  metricNames,
  stepSeries,
  suiteBeforeAfter,
  suiteSeries,
  summarise,
  type BeforeAfter,
  type SeriesSummary,
} from './report-series.js';

/** File names the report looks for in the run folder (the trainer writes them). */
export const GRID_BEFORE = 'grid-before.png';
export const GRID_AFTER = 'grid-after.png';
/** Sub-folder of the run folder holding the chart files. */
export const REPORT_FIGURE_DIR = 'report';

export interface TrainingReportOptions {
  /** Which run of the store (default: the newest). */
  readonly runId?: number;
  /** Also write a PNG of every chart (default true). */
  readonly png?: boolean;
  /** Stored samples shown from the first and from the last sampled step (default 16 each). */
  readonly samplesPerGrid?: number;
}

export interface TrainingReportSummary {
  readonly run: {
    readonly id: number;
    readonly name: string;
    readonly kind: string;
    readonly status: string;
    readonly seed: number;
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly versions: Readonly<Record<string, string>>;
    readonly runIds: readonly number[];
  };
  readonly steps: {
    readonly count: number;
    readonly first: number | null;
    readonly last: number | null;
    readonly wallSeconds: number | null;
  };
  readonly metrics: Readonly<Record<string, SeriesSummary>>;
  readonly diagnostics: Readonly<Record<string, SeriesSummary>>;
  /** KL to the reference and d = √KL at the end; null when the run logged no KL metric. */
  readonly kl: {
    readonly metric: string;
    readonly first: number | null;
    readonly last: number | null;
    readonly dLast: number | null;
  } | null;
  /** Per suite: overall, categories and extras at its first and last evaluation. */
  readonly evaluations: Readonly<
    Record<string, { readonly beforeStep: number; readonly afterStep: number; readonly rows: readonly BeforeAfter[] }>
  >;
  /**
   * What the monitors did: the store's monitor events (rule, reason, outcome); for a store written before they were
   * recorded, the diagnostics `monitor_<action>` (non-zero), whose reason and monitor are then empty.
   */
  readonly monitorActions: readonly MonitorActionSummary[];
  readonly latestCheckpoint: { readonly step: number; readonly path: string } | null;
  /** Grid images found in the run folder (hrefs relative to it). */
  readonly grids: readonly string[];
  /** Labelled grids of stored samples the report drew, with the gold evaluator's count of ✓ among those it judged. */
  readonly sampleGrids: readonly Omit<SampleGrid, 'prompts'>[];
  /** Chart files written, relative to the run folder. */
  readonly figures: readonly { readonly id: string; readonly svg: string; readonly png?: string }[];
  readonly generatedAt: string;
}

/** A chart as drawn into the page: its SVG text and its files relative to the run folder. */
export interface RenderedFigure {
  readonly id: string;
  readonly section: ReportSection;
  readonly svg: string;
  readonly files: { readonly svg: string; readonly png?: string };
}

export interface TrainingReport {
  /** Absolute paths of report.html and report.json. */
  readonly html: string;
  readonly json: string;
  readonly summary: TrainingReportSummary;
}

/** Writes (or refreshes) the report of the run in `runDir`; see the file comment for what it writes. */
export async function writeTrainingReport(runDir: string, opts: TrainingReportOptions = {}): Promise<TrainingReport> {
  const data = loadRunData(runDir, opts.runId);
  const figures = await renderFigures(data, reportFigures(data), opts.png ?? true);
  const grids = findGrids(data.runDir);
  const sampleGrids = writeSampleGrids(data.runDir, data.samples, REPORT_FIGURE_DIR, opts.samplesPerGrid ?? 16);
  const summary = summariseRun(
    data,
    figures,
    grids.map((g) => g.href),
    sampleGrids,
  );
  const html = renderReportHtml({ summary, figures, grids, sampleGrids, config: data.run.config });
  const htmlFile = path.join(data.runDir, 'report.html');
  const jsonFile = path.join(data.runDir, 'report.json');
  writeAtomic(htmlFile, html);
  writeAtomic(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
  return { html: htmlFile, json: jsonFile, summary };
}

/** The report's numbers, from the run's rows. */
export function summariseRun(
  data: RunData,
  figures: readonly RenderedFigure[] = [],
  grids: readonly string[] = [],
  sampleGrids: readonly SampleGrid[] = [],
): TrainingReportSummary {
  const names = metricNames(data.steps);
  const metrics = Object.fromEntries(names.map((n) => [n, summarise(stepSeries(data.steps, n))]));
  const diags = diagnosticSeries(data.diagnostics);
  const klName = klMetricName(names);
  const kl =
    klName === undefined
      ? null
      : {
          metric: klName,
          first: metrics[klName]!.first,
          last: metrics[klName]!.last,
          dLast: klDistance(metrics[klName]!.last),
        };
  const steps = data.steps;
  const r = data.run;
  return {
    run: {
      id: r.id,
      name: r.name,
      kind: r.kind,
      status: r.status,
      seed: r.seed,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      versions: r.versions,
      runIds: data.runIds,
    },
    steps: {
      count: steps.length,
      first: steps[0]?.step ?? null,
      last: steps[steps.length - 1]?.step ?? null,
      wallSeconds: steps.length > 1 ? steps[steps.length - 1]!.wallTime - steps[0]!.wallTime : null,
    },
    metrics,
    diagnostics: Object.fromEntries([...diags].map(([n, pts]) => [n, summarise(pts)])),
    kl,
    evaluations: Object.fromEntries(suiteSeries(data.evaluations).map((s) => [s.suite, suiteBeforeAfter(s)])),
    monitorActions: monitorActions(data.monitorEvents, data.diagnostics),
    latestCheckpoint: data.latestCheckpoint
      ? { step: data.latestCheckpoint.step, path: data.latestCheckpoint.path }
      : null,
    grids,
    sampleGrids: sampleGrids.map(({ prompts: _, ...g }) => g),
    figures: figures.map((f) => ({ id: f.id, ...f.files })),
    generatedAt: new Date().toISOString(),
  };
}

async function renderFigures(data: RunData, figures: readonly Figure[], png: boolean): Promise<RenderedFigure[]> {
  const dir = path.join(data.runDir, REPORT_FIGURE_DIR);
  const out: RenderedFigure[] = [];
  for (const f of figures) {
    const c = f.chart;
    const svg =
      c.kind === 'line'
        ? await lineChartSvg(c.spec)
        : c.kind === 'panels'
          ? await chartPanelsSvg(c.spec)
          : await groupedBarChartSvg(c.spec);
    const files = writeChartFiles(path.join(dir, f.id), svg, { png });
    const rel = (p: string): string => path.relative(data.runDir, p).split(path.sep).join('/');
    out.push({
      id: f.id,
      section: f.section,
      svg,
      files: { svg: rel(files.svg), ...(files.png ? { png: rel(files.png) } : {}) },
    });
  }
  removeStale(
    dir,
    new Set(
      out.flatMap((f) =>
        [f.files.svg, f.files.png].filter((x): x is string => x !== undefined).map((x) => path.basename(x)),
      ),
    ),
  );
  return out;
}

/** Deletes chart files of an earlier report that this one no longer draws (only .svg/.png in the report folder). */
function removeStale(dir: string, keep: ReadonlySet<string>): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (/\.(svg|png)$/.test(name) && !keep.has(name)) rmSync(path.join(dir, name), { force: true });
  }
}

/** grid-before.png, grid-after.png, then any other grid-*.png / grid-*.gif of the run folder, by name. */
function findGrids(runDir: string): { label: string; href: string }[] {
  const names = readdirSync(runDir).filter((n) => /^grid-.*\.(png|gif)$/.test(n));
  const order = (n: string): number => (n === GRID_BEFORE ? 0 : n === GRID_AFTER ? 1 : 2);
  names.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const label = (n: string): string =>
    n === GRID_BEFORE
      ? 'before training (base model)'
      : n === GRID_AFTER
        ? 'after training'
        : n.replace(/\.(png|gif)$/, '');
  return names.map((n) => ({ label: label(n), href: n }));
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
