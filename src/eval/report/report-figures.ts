// Which charts a training report draws, as chart specs built from the run's rows (pure: no rendering, no I/O).
// A figure appears only when the run logged what it needs, so DPO without KL or offline runs with NaN rewards get
// the charts that make sense for them and no empty ones.
import type { BarChartSpec, ChartPoint, ChartSeries, LineChartSpec, PanelsSpec } from './charts.js';
import type { RunData } from './run-data.js';
import type { JsonValue } from '../../store/run-store-types.js';
import { suiteErrors } from './accuracy-se.js';
import {
  diagnosticSeries,
  distanceAtSteps,
  groupByTimestep,
  klDistance,
  klMetricName,
  metricNames,
  mergeIdentical,
  metricTopic,
  movingMean,
  smoothingWindow,
  stepSeries,
  suiteBeforeAfter,
  suiteSeries,
  type MetricTopic,
  type SuiteSeries,
} from './report-series.js';

export type FigureSpec =
  | { readonly kind: 'line'; readonly spec: LineChartSpec }
  | { readonly kind: 'panels'; readonly spec: PanelsSpec }
  | { readonly kind: 'bars'; readonly spec: BarChartSpec };

export interface Figure {
  /** File stem under the report folder, e.g. 'reward' → report/reward.svg. */
  readonly id: string;
  /** Report section it belongs to. */
  readonly section: ReportSection;
  readonly chart: FigureSpec;
}

export type ReportSection = 'reward' | 'kl' | 'eval' | 'ratio' | 'image' | 'other';

const SMALL = { width: 300, height: 160 } as const;

/** Every figure the run's data supports, in report order. */
export function reportFigures(data: RunData): Figure[] {
  const names = metricNames(data.steps);
  const suites = suiteSeries(data.evaluations, configPerCategory(data.run.config));
  const diags = diagnosticSeries(data.diagnostics);
  const klName = klMetricName(names);
  return [
    ...rewardFigures(data, names, suites),
    ...klFigures(data, names, suites, klName, diags),
    ...suites.flatMap((s) => suiteFigures(s)),
    ...topicPanels('ratio', 'Importance ratio and clipping', data, names, diags, klName),
    ...topicPanels('image', 'Diversity and image statistics', data, names, diags, klName, suites),
    ...topicPanels('other', 'Other training metrics and diagnostics', data, names, diags, klName),
  ];
}

function rewardFigures(data: RunData, names: readonly string[], suites: readonly SuiteSeries[]): Figure[] {
  const perStep = mergeIdentical(
    names
      .filter((n) => metricTopic(n) === 'reward')
      .map((n) => ({ name: n === 'reward' ? 'proxy reward (train)' : n, points: stepSeries(data.steps, n) }))
      .filter(hasFinite),
  );
  const n = Math.max(0, ...perStep.map((s) => s.points.filter(([, y]) => y !== null).length));
  const smooth = n >= 10 ? smoothingWindow(n) : 0;
  const series: ChartSeries[] = [
    ...perStep.flatMap((s): ChartSeries[] =>
      smooth === 0
        ? [s]
        : [
            { ...s, opacity: 0.3 },
            { name: `${s.name} (mean)`, points: movingMean(s.points, smooth), colourOf: s.name },
          ],
    ),
    ...suites.flatMap((s) => [
      {
        name: `${s.suite} overall`,
        points: s.overall,
        mark: 'line+points' as const,
        ...errorsOf(suiteErrors(s).overall),
      },
      ...[...s.extras]
        .filter(([k]) => metricTopic(k) === 'reward')
        .map(([k, points]) => ({ name: `${s.suite} ${k}`, points, mark: 'line+points' as const, dashed: true })),
    ]),
  ].filter(hasFinite);
  if (series.length === 0) return [];
  const banded = series.some((x) => x.errors !== undefined);
  const subtitle =
    [
      smooth > 0 ? `per iteration (faint) and its centred moving mean over ${smooth} iterations` : '',
      banded ? 'band: ±1 SE of gold' : '',
    ]
      .filter((x) => x !== '')
      .join('; ') || undefined;
  const spec: LineChartSpec = {
    title: 'Proxy and gold',
    xLabel: 'iteration',
    yLabel: 'reward / score',
    series,
    ...(subtitle ? { subtitle } : {}),
  };
  return [{ id: 'reward', section: 'reward', chart: { kind: 'line', spec } }];
}

function klFigures(
  data: RunData,
  names: readonly string[],
  suites: readonly SuiteSeries[],
  klName: string | undefined,
  diags: ReadonlyMap<string, ChartPoint[]>,
): Figure[] {
  const otherKl: LineChartSpec[] = [
    ...names.filter((n) => n !== klName && metricTopic(n) === 'kl').map((n) => small(n, stepSeries(data.steps, n))),
    ...[...diags].filter(([n]) => metricTopic(n) === 'kl').map(([n, pts]) => small(n, pts)),
  ].filter((p) => p.series.some(hasFinite));
  const kl = klName === undefined ? [] : stepSeries(data.steps, klName);
  const panels = hasFinite({ points: kl })
    ? [
        small(`KL to reference (${klName})`, kl),
        small(
          'd = √KL',
          kl.map(([x, y]): ChartPoint => [x, klDistance(y)]),
        ),
      ]
    : [];
  panels.push(...otherKl);
  const out: Figure[] = [];
  if (panels.length > 0)
    out.push({ id: 'kl', section: 'kl', chart: { kind: 'panels', spec: { panels, sharedColours: false } } });
  const vsD = klName === undefined ? null : rewardVsDistance(data, suites, klName, kl);
  if (vsD !== null) out.push({ id: 'reward-vs-d', section: 'kl', chart: { kind: 'line', spec: vsD } });
  return out;
}

/**
 * Gao et al.'s over-optimisation view (arXiv 2210.10760): each suite's gold (and evaluation proxy) at its
 * evaluations, and the training proxy at every iteration, against d = √KL — joined in time order.
 */
function rewardVsDistance(
  data: RunData,
  suites: readonly SuiteSeries[],
  klName: string,
  kl: readonly ChartPoint[],
): LineChartSpec | null {
  const series: ChartSeries[] = suites.flatMap((s) => {
    const ds = evalDistances(s, kl);
    const at = (pts: readonly ChartPoint[]): ChartPoint[] => pts.map(([, y], i) => [ds[i] ?? NaN, y]);
    return [
      { name: `${s.suite} overall`, points: at(s.overall), mark: 'line+points' as const },
      ...[...s.extras]
        .filter(([k]) => metricTopic(k) === 'reward')
        .map(([k, pts]) => ({ name: `${s.suite} ${k}`, points: at(pts), mark: 'line+points' as const, dashed: true })),
    ];
  });
  if (data.steps.some((s) => s.metrics['reward'] !== undefined)) {
    const points = data.steps.map((s): ChartPoint => [
      klDistance(s.metrics[klName]) ?? NaN,
      s.metrics['reward'] ?? null,
    ]);
    series.push({ name: 'proxy reward (train)', points, mark: 'points', opacity: 0.6 });
  }
  const usable = series.filter(hasFinite);
  if (usable.length === 0) return null;
  return {
    title: 'Gold and proxy against d = √KL (Gao et al. 2022)',
    xLabel: 'd = √KL(π‖π_init)',
    yLabel: 'reward / score',
    series: usable,
    connect: 'order',
  };
}

/** Per-category lines over the run, and bars of the first vs the last evaluation. */
function suiteFigures(s: SuiteSeries): Figure[] {
  const out: Figure[] = [];
  const id = `eval-${slug(s.suite)}`;
  const se = suiteErrors(s);
  const series: ChartSeries[] = [
    { name: 'overall', points: s.overall, mark: 'line+points', ...errorsOf(se.overall) },
    ...[...s.categories].map(([name, points]) => ({
      name,
      points,
      mark: 'line+points' as const,
      ...errorsOf(se.categories.get(name) ?? []),
    })),
  ];
  const banded = series.some((x) => x.errors !== undefined);
  const unit = series.every((x) => x.points.every(([, y]) => y === null || (y >= 0 && y <= 1)));
  if (s.categories.size > 0 && s.steps.length > 1) {
    out.push({
      id,
      section: 'eval',
      chart: {
        kind: 'line',
        spec: {
          title: `${s.suite} per category`,
          ...(banded ? { subtitle: 'bands and whiskers: ±1 SE (binomial over the prompts of each evaluation)' } : {}),
          xLabel: 'iteration',
          yLabel: 'accuracy',
          series,
          ...(unit ? { yDomain: [0, 1] as const } : {}),
        },
      },
    });
  }
  if (s.categories.size > 0) {
    const ba = suiteBeforeAfter(s);
    const rows = ba.rows.filter((r) => r.name === 'overall' || s.categories.has(r.name));
    const categories = rows.map((r) => r.name);
    const bars = [{ name: `before (iteration ${ba.beforeStep})`, values: rows.map((r) => r.before) }];
    if (ba.afterStep !== ba.beforeStep)
      bars.push({ name: `after (iteration ${ba.afterStep})`, values: rows.map((r) => r.after) });
    const spec: BarChartSpec = {
      title: `${s.suite}: before and after`,
      yLabel: 'accuracy',
      categories,
      series: bars,
      ...(unit ? { yDomain: [0, 1] as const } : {}),
    };
    out.push({ id: `${id}-before-after`, section: 'eval', chart: { kind: 'bars', spec } });
  }
  return out;
}

/** Small multiples of every metric, diagnostic (per-timestep groups as one panel) and evaluation extra on a topic. */
function topicPanels(
  topic: MetricTopic & ReportSection,
  title: string,
  data: RunData,
  names: readonly string[],
  diags: ReadonlyMap<string, ChartPoint[]>,
  klName: string | undefined,
  suites: readonly SuiteSeries[] = [],
): Figure[] {
  const panels: LineChartSpec[] = names
    .filter((n) => n !== klName && metricTopic(n) === topic)
    .map((n) => small(n, stepSeries(data.steps, n)));
  const { groups, singles } = groupByTimestep([...diags.keys()].filter((n) => metricTopic(n) === topic));
  for (const n of singles) panels.push(small(n, diags.get(n)!));
  for (const [base, members] of groups) {
    const series = members.map(({ t, name }) => ({ name: `t=${t}`, points: diags.get(name)! }));
    panels.push({ ...SMALL, title: `${base} per timestep`, xLabel: 'iteration', yLabel: '', series });
  }
  for (const s of suites) {
    for (const [k, pts] of s.extras)
      if (metricTopic(k) === topic)
        panels.push({ ...small(`${s.suite}: ${k}`, pts), series: [{ name: k, points: pts, mark: 'line+points' }] });
  }
  const usable = panels.filter((p) => p.series.some(hasFinite));
  return usable.length === 0
    ? []
    : [
        {
          id: topic === 'other' ? 'training' : topic,
          section: topic,
          chart: { kind: 'panels', spec: { title, panels: usable, sharedColours: false } },
        },
      ];
}

/** d at a suite's evaluations: from the KL the evaluation itself recorded (details.klToReference), else from the steps. */
function evalDistances(s: SuiteSeries, kl: readonly ChartPoint[]): (number | null)[] {
  const own = s.extras.get('klToReference');
  const fromSteps = distanceAtSteps(s.steps, kl);
  return s.steps.map((step, i) => {
    const v = own?.find(([x]) => x === step)?.[1];
    return v !== undefined && v !== null ? klDistance(v) : fromSteps[i]!;
  });
}

/** `errors` for a ChartSeries when any point has one (a band is drawn only then). */
function errorsOf(errors: readonly (number | null)[]): { errors?: readonly (number | null)[] } {
  return errors.some((e) => e !== null) ? { errors } : {};
}

/**
 * Prompts per ShapesEval category from the run's config (eval.perCategory), for evaluations stored before the
 * per-prompt verdicts were (those give their own count).
 */
function configPerCategory(config: JsonValue): Record<string, number> {
  const ev = config !== null && typeof config === 'object' && !Array.isArray(config) ? config['eval'] : undefined;
  const k = ev !== null && typeof ev === 'object' && !Array.isArray(ev) ? ev?.['perCategory'] : undefined;
  return typeof k === 'number' && Number.isInteger(k) && k > 0 ? { shapes_eval: k } : {};
}

function small(name: string, points: ChartPoint[]): LineChartSpec {
  return { ...SMALL, title: name, xLabel: 'iteration', yLabel: '', series: [{ name, points }] };
}

function hasFinite(s: { readonly points: readonly ChartPoint[] }): boolean {
  return s.points.some(([x, y]) => Number.isFinite(x) && y !== null && Number.isFinite(y));
}

/** A file-name-safe version of a suite name. */
export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'suite'
  );
}
