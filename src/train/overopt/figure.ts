// The overoptimisation figure (Gao et al., arXiv 2210.10760, Fig. 1): gold, proxy and held-out rewards against
// d = sqrt(KL(π‖π_ref)), one line per run, the monitor's first alarm marked; plus signals against iteration.
// Drawn with the report chart helpers (src/eval/report/charts.ts).
import { chartPanelsSvg, type ChartPoint, type ChartSeries, type LineChartSpec } from '../../eval/report/index.js';
import type { FiredAlarm } from '../../reliability/monitor/decide.js';
import { series, type MonitorMetrics, type SignalName } from '../../reliability/monitor/signals.js';

export interface OveroptRun {
  name: string;
  history: readonly MonitorMetrics[];
  alarms: readonly FiredAlarm[];
}

const LABELS: Partial<Record<SignalName, string>> = {
  gold: 'gold (ShapesEval overall)',
  proxy: 'proxy reward (optimised), eval images',
  trainProxy: 'proxy reward on training samples',
  heldOut: 'held-out reward (not optimised)',
  uncertainty: 'proxy ensemble disagreement',
  diversity: 'diversity',
  colourEntropy: 'colour entropy (bits)',
  saturation: 'mean saturation',
};

/** Points (x signal, y signal) in evaluation order, skipping evaluations where x is not measured. */
function points(history: readonly MonitorMetrics[], x: SignalName | 'iteration', y: SignalName): ChartPoint[] {
  const ys = series(history, y);
  return history.flatMap((m, i): ChartPoint[] => {
    const xv = x === 'iteration' ? m.iteration : m.values[x];
    return xv !== undefined && Number.isFinite(xv) ? [[xv, ys[i]!]] : [];
  });
}

function panel(runs: readonly OveroptRun[], x: SignalName | 'iteration', y: SignalName): LineChartSpec {
  const lines: ChartSeries[] = runs.map((r) => ({ name: r.name, points: points(r.history, x, y), mark: 'line+points' }));
  const alarms: ChartSeries[] = runs.flatMap((r) => {
    const first = r.alarms[0];
    const at = first === undefined ? -1 : r.history.findIndex((m) => m.iteration === first.iteration);
    const p = at < 0 ? [] : points([r.history[at]!], x, y);
    return p.length === 0 ? [] : [{ name: `${r.name}: first alarm (${first!.name})`, points: p, mark: 'points' as const }];
  });
  return {
    title: `${LABELS[y] ?? y} vs ${x === 'sqrtKl' ? 'd = √KL' : x}`,
    xLabel: x === 'sqrtKl' ? 'd = √KL(π‖π_ref)' : x,
    yLabel: y,
    series: [...lines, ...alarms],
    connect: 'order',
    width: 300,
    height: 200,
  };
}

/** SVG of the overoptimisation panels for one or more runs (e.g. unmonitored and monitored, same seed). */
export async function overoptFigureSvg(runs: readonly OveroptRun[]): Promise<string> {
  return chartPanelsSvg({
    title: 'Reward overoptimisation: proxy vs gold against d = √KL',
    columns: 3,
    panels: [
      panel(runs, 'sqrtKl', 'gold'),
      panel(runs, 'sqrtKl', 'proxy'),
      panel(runs, 'sqrtKl', 'trainProxy'),
      panel(runs, 'sqrtKl', 'heldOut'),
      panel(runs, 'iteration', 'gold'),
      panel(runs, 'iteration', 'sqrtKl'),
      panel(runs, 'iteration', 'uncertainty'),
      panel(runs, 'iteration', 'diversity'),
      panel(runs, 'iteration', 'colourEntropy'),
      panel(runs, 'iteration', 'saturation'),
      panel(runs, 'iteration', 'proxy'),
      panel(runs, 'iteration', 'heldOut'),
    ],
  });
}
