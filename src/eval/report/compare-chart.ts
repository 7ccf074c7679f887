// The comparison figure of `refract compare`: one panel per metric, one line per run (algorithm), the same colour
// for a run in every panel. Builds a PanelsSpec from step rows (RunStore.metrics(runId) fits as is); render it with
// chartPanelsSvg.
//
//   const spec = compareRunsPanels(
//     [{ name: 'grpo', steps: store.metrics(a) }, { name: 'ddpo', steps: store.metrics(b) }],
//     [{ key: 'reward', label: 'proxy reward' }, { key: 'kl' }],
//     { x: { metric: 'samples', cumulative: true, label: 'images generated' } },
//   );
//   writeChartFiles('runs/compare/curves', await chartPanelsSvg(spec));
import type { ChartPoint, LineChartSpec, PanelsSpec } from './charts.js';

/** One run's step rows: `metrics` per step (null / NaN / absent = no value). */
export interface CompareRun {
  readonly name: string;
  readonly steps: readonly { readonly step: number; readonly metrics: Readonly<Record<string, number | null>> }[];
}

export interface CompareMetric {
  readonly key: string;
  /** Panel title; default the key. */
  readonly label?: string;
  /** Fixed y range (e.g. [0, 1] for an accuracy). */
  readonly yDomain?: readonly [number, number];
}

export interface CompareOptions {
  readonly title?: string;
  /** Panels per row; default min(metrics, 3). */
  readonly columns?: number;
  /**
   * The x axis: the step (default), or a metric of the step — e.g. `{ metric: 'samples', cumulative: true }` puts runs
   * on the same budget axis (images generated so far) when their iterations differ in size.
   */
  readonly x?: { readonly metric: string; readonly cumulative?: boolean; readonly label?: string };
}

export function compareRunsPanels(
  runs: readonly CompareRun[],
  metrics: readonly CompareMetric[],
  opts: CompareOptions = {},
): PanelsSpec {
  if (runs.length === 0) throw new Error('refract compareRunsPanels: runs must be non-empty, got none');
  if (metrics.length === 0) throw new Error('refract compareRunsPanels: metrics must be non-empty, got none');
  const xLabel = opts.x?.label ?? opts.x?.metric ?? 'iteration';
  const panels: LineChartSpec[] = metrics.map((m) => ({
    title: m.label ?? m.key,
    xLabel,
    yLabel: '',
    width: 300,
    height: 180,
    ...(m.yDomain ? { yDomain: m.yDomain } : {}),
    series: runs.map((r) => ({ name: r.name, points: runPoints(r, m.key, opts.x) })),
  }));
  return { ...(opts.title ? { title: opts.title } : {}), panels, ...(opts.columns ? { columns: opts.columns } : {}) };
}

/** (x, metric) of a run; with a cumulative x metric, x is the running sum up to and including the step. */
export function runPoints(run: CompareRun, key: string, x?: CompareOptions['x']): ChartPoint[] {
  let sum = 0;
  return run.steps.map((s) => {
    const y = s.metrics[key];
    const v = y === undefined || y === null || !Number.isFinite(y) ? null : y;
    if (x === undefined) return [s.step, v];
    const xv = s.metrics[x.metric];
    if (xv === undefined || xv === null || !Number.isFinite(xv)) {
      throw new Error(
        `refract compareRunsPanels: x metric "${x.metric}" must be logged at every step, missing at step ${s.step} of run "${run.name}"`,
      );
    }
    sum += xv;
    return [x.cumulative ? sum : xv, v];
  });
}
