// Chart helpers for run reports, monitors and algorithm comparisons: plain data in, SVG text out (rendered by vega-lite,
// see chart-render.ts). Every helper is async because vega renders asynchronously.
//
//   const svg = await lineChartSvg({
//     title: 'Gold and proxy vs d', xLabel: 'd = √KL', yLabel: 'reward',
//     series: [{ name: 'proxy', points: [[0, 0.2], [0.1, 0.5]] }, { name: 'gold', points: [[0, 0.3], [0.1, 0.4]], mark: 'line+points' }],
//   });
//   writeChartFiles('runs/a/curves/gold-vs-d', svg);   // .svg + .png
//
// Non-finite y (NaN, ±Infinity) and null are gaps: a line breaks there and the point is left out of the axis range;
// they are never drawn as 0.
import { CHART_FONT, renderVegaLite, type RenderedChart } from './chart-render.js';

/** One (x, y) point; y may be NaN or null for "no value at this x". */
export type ChartPoint = readonly [x: number, y: number | null];

export type SeriesMark = 'line' | 'points' | 'line+points';

export interface ChartSeries {
  /** Legend label; the same name gets the same colour in every panel of a chartPanelsSvg figure. */
  readonly name: string;
  readonly points: readonly ChartPoint[];
  /** 'line' (default), 'points' (a scatter) or 'line+points'. */
  readonly mark?: SeriesMark;
  /** Draw the line dashed (e.g. a proxy next to its gold, or a reference level). */
  readonly dashed?: boolean;
  /** Stroke and fill opacity, 0–1 (default 1): e.g. faint raw values under their moving average. */
  readonly opacity?: number;
  /**
   * Draw in the colour of the series with this name and leave this one out of the legend (a moving average drawn
   * over its raw series).
   */
  readonly colourOf?: string;
  /**
   * ±1 SE (or any half-width) per point, aligned with `points`: drawn as a shaded band from y − e to y + e under
   * the series, clipped to `yDomain` when the chart fixes one. null where a point has no error.
   */
  readonly errors?: readonly (number | null)[];
}

export type AxisScale = 'linear' | 'log' | 'sqrt' | 'symlog';

export interface LineChartSpec {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** Plot area in pixels; defaults 420 × 240. */
  readonly width?: number;
  readonly height?: number;
  /** Axis scale types; default 'linear'. A log axis drops points ≤ 0 as gaps. */
  readonly xScale?: AxisScale;
  readonly yScale?: AxisScale;
  /** Fixed y range (e.g. [0, 1] for accuracies); by default the range is fitted to the data, not to 0. */
  readonly yDomain?: readonly [number, number];
  /**
   * How a line joins its points: 'x' (default) sorts them by x, 'order' keeps the given order — use 'order' for
   * trajectories whose x is not monotone in time, such as reward against d = √KL.
   */
  readonly connect?: 'x' | 'order';
}

export interface PanelsSpec {
  readonly title?: string;
  readonly panels: readonly LineChartSpec[];
  /** Panels per row; default min(panels, 3). */
  readonly columns?: number;
  /**
   * true (default): one legend for the figure and one colour per series name across panels (comparisons).
   * false: each panel colours its own series and shows a legend only when it has several (small multiples of
   * unrelated metrics, where the panel title names the single series).
   */
  readonly sharedColours?: boolean;
}

export interface BarChartSpec {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel: string;
  /** Groups along x (e.g. ShapesEval categories). */
  readonly categories: readonly string[];
  /** One bar per series inside each group (e.g. 'before' and 'after'); values align with categories. */
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  readonly yDomain?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/** A line / scatter chart of one or more series as SVG text. */
export async function lineChartSvg(spec: LineChartSpec): Promise<string> {
  return (await renderLineChart(spec)).svg;
}

/** As lineChartSvg, also returning the axis domains drawn (scales 'x' and 'y'), for tests and layout checks. */
export function renderLineChart(spec: LineChartSpec): Promise<RenderedChart> {
  const names = seriesNames([spec]);
  return renderVegaLite({ ...topLevel(spec.title), ...lineView(spec, names) });
}

/**
 * Several line charts laid out in a grid sharing one legend: a series name has the same colour in every panel, so
 * "one panel per metric, one line per algorithm" (the comparison figure) reads at a glance.
 */
export async function chartPanelsSvg(spec: PanelsSpec): Promise<string> {
  return (await renderChartPanels(spec)).svg;
}

export function renderChartPanels(spec: PanelsSpec): Promise<RenderedChart> {
  if (spec.panels.length === 0) throw new Error('refract chartPanelsSvg: panels must be non-empty, got none');
  const shared = spec.sharedColours ?? true;
  const names = seriesNames(spec.panels);
  const columns = spec.columns ?? Math.min(spec.panels.length, 3);
  if (!Number.isInteger(columns) || columns < 1) {
    throw new Error(`refract chartPanelsSvg: columns must be a positive integer, got ${columns}`);
  }
  return renderVegaLite({
    ...topLevel(spec.title ?? ''),
    columns,
    concat: spec.panels.map((p) => ({ ...lineView(p, shared ? names : seriesNames([p])), title: panelTitle(p) })),
    resolve: { scale: { color: shared ? 'shared' : 'independent', x: 'independent', y: 'independent' } },
  });
}

/** Grouped bars (e.g. ShapesEval accuracy per category, before vs after training) as SVG text. */
export async function groupedBarChartSvg(spec: BarChartSpec): Promise<string> {
  const values = spec.series.flatMap((s, si) => {
    if (s.values.length !== spec.categories.length) {
      throw new Error(
        `refract groupedBarChartSvg: series "${s.name}" must have one value per category (${spec.categories.length}), got ${s.values.length}`,
      );
    }
    return s.values.map((v, ci) => ({ category: spec.categories[ci]!, series: s.name, order: si, y: finiteOrNull(v) }));
  });
  const names = spec.series.map((s) => s.name);
  const { svg } = await renderVegaLite({
    ...topLevel(spec.title),
    width: spec.width ?? 420,
    height: spec.height ?? 240,
    data: { values },
    mark: { type: 'bar', invalid: 'filter' },
    encoding: {
      x: {
        field: 'category',
        type: 'nominal',
        sort: [...spec.categories],
        title: spec.xLabel ?? null,
        axis: { labelAngle: -30 },
      },
      xOffset: { field: 'series', type: 'nominal', sort: names },
      y: {
        field: 'y',
        type: 'quantitative',
        title: spec.yLabel,
        ...(spec.yDomain ? { scale: { domain: [...spec.yDomain] } } : {}),
      },
      color: colorEncoding(names),
      tooltip: [{ field: 'series' }, { field: 'y', format: '.3f' }],
    },
  });
  return svg;
}

// ---------- spec building ----------

function topLevel(title: string): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title ? { title: { text: title, fontSize: 15, offset: 12 } } : {}),
    background: 'white',
    padding: 8,
    config: {
      aria: false,
      font: CHART_FONT,
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260, symbolOpacity: 1 },
      title: { subtitleFontSize: 11, subtitleColor: '#666' },
      view: { stroke: '#ccc' },
    },
  };
}

function panelTitle(spec: LineChartSpec): Record<string, unknown> {
  return { text: spec.title, ...(subtitleOf(spec) ? { subtitle: subtitleOf(spec) } : {}), fontSize: 13 };
}

function subtitleOf(spec: LineChartSpec): string | undefined {
  const empty = spec.series.every((s) => s.points.every(([x, y]) => !isFiniteNumber(x) || !isFiniteNumber(y)));
  return empty ? [spec.subtitle, 'no finite values'].filter(Boolean).join(' — ') : spec.subtitle;
}

/** A layered view: one layer per series (so each can have its own mark and dash), one shared colour scale. */
function lineView(spec: LineChartSpec, colourDomain: readonly string[]): Record<string, unknown> {
  const values = spec.series.flatMap((s) =>
    s.points.map(([x, y], i) => ({
      series: s.name,
      i,
      x: onScale(finiteOrNull(x), spec.xScale),
      y: onScale(finiteOrNull(y), spec.yScale),
      ...bandEnds(y, s.errors?.[i] ?? null, spec),
    })),
  );
  const finiteRows = values.filter(
    (v): v is (typeof values)[number] & { x: number; y: number } => v.x !== null && v.y !== null,
  );
  const y = axisEncoding(
    'y',
    spec.yLabel,
    spec.yScale,
    spec.yDomain,
    finiteRows.map((v) => v.y),
  );
  const layers = spec.series.flatMap((s) => [...bandLayer(s, y), ...seriesLayers(s, spec.connect ?? 'x')]);
  return {
    ...(subtitleOf(spec) !== undefined ? { title: { text: spec.title, subtitle: subtitleOf(spec) } } : {}),
    width: spec.width ?? 420,
    height: spec.height ?? 240,
    data: { values },
    encoding: {
      x: axisEncoding(
        'x',
        spec.xLabel,
        spec.xScale,
        undefined,
        finiteRows.map((v) => v.x),
      ),
      y,
      color: colorEncoding(colourDomain),
    },
    layer: layers.length > 0 ? layers : [{ mark: { type: 'point', opacity: 0 } }],
  };
}

/**
 * A quantitative axis fitted to the drawn values (not to 0): [0, 1] when there are none, a padded range around a
 * constant, integer ticks for integer data (iterations), and exponent notation for very small or large magnitudes.
 */
function axisEncoding(
  field: 'x' | 'y',
  label: string,
  type: AxisScale | undefined,
  fixed: readonly [number, number] | undefined,
  drawn: readonly number[],
): Record<string, unknown> {
  const lo = Math.min(...drawn);
  const hi = Math.max(...drawn);
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
  const domain =
    fixed ??
    (drawn.length === 0 ? [0, 1] : lo === hi && (type ?? 'linear') === 'linear' ? [lo - pad, hi + pad] : undefined);
  const magnitude = drawn.length === 0 ? 1 : Math.max(Math.abs(lo), Math.abs(hi));
  const axis: Record<string, unknown> = {};
  if (drawn.length > 0 && drawn.every(Number.isInteger)) axis['tickMinStep'] = 1;
  if (magnitude > 0 && (magnitude < 1e-3 || magnitude >= 1e5)) axis['format'] = '.2~e';
  return {
    field,
    type: 'quantitative',
    title: label || null,
    scale: { type: type ?? 'linear', zero: false, nice: true, ...(domain ? { domain: [...domain] } : {}) },
    ...(Object.keys(axis).length > 0 ? { axis } : {}),
  };
}

/** The band's ends y ∓ e (clipped to a fixed y domain), or nulls where there is no finite y or error. */
function bandEnds(y: number | null, e: number | null, spec: LineChartSpec): { lo: number | null; hi: number | null } {
  const yy = finiteOrNull(y);
  if (yy === null || e === null || !Number.isFinite(e) || e < 0) return { lo: null, hi: null };
  const [min, max] = spec.yDomain ?? [-Infinity, Infinity];
  const lo = onScale(Math.max(min, yy - e), spec.yScale);
  return lo === null ? { lo: null, hi: null } : { lo, hi: Math.min(max, yy + e) };
}

/**
 * A series' error band (vega-lite area from lo to hi, under its line, in its colour) with a whisker at each point,
 * or nothing without errors.
 * The y channel repeats the chart's axis definition on field lo so the layers share one scale and axis title.
 */
function bandLayer(s: ChartSeries, y: Record<string, unknown>): Record<string, unknown>[] {
  if (s.errors === undefined || !s.errors.some((e) => e !== null && Number.isFinite(e))) return [];
  const colourOverride = s.colourOf !== undefined ? { color: { datum: s.colourOf, type: 'nominal' } } : {};
  return [
    {
      transform: [{ filter: { field: 'series', equal: s.name } }],
      // a point without an error breaks the band, as a missing value breaks the line
      mark: { type: 'area', opacity: 0.15 * (s.opacity ?? 1), clip: true, invalid: 'break-paths-filter-domains' },
      encoding: { ...colourOverride, y: { ...y, field: 'lo' }, y2: { field: 'hi' } },
    },
    {
      // and a whisker at each point, so an isolated point's SE shows too
      transform: [{ filter: { field: 'series', equal: s.name } }],
      mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.5 * (s.opacity ?? 1), clip: true, invalid: 'filter' },
      encoding: { ...colourOverride, y: { ...y, field: 'lo' }, y2: { field: 'hi' } },
    },
  ];
}

function seriesLayers(s: ChartSeries, connect: 'x' | 'order'): Record<string, unknown>[] {
  const mark = s.mark ?? 'line';
  const only = { filter: { field: 'series', equal: s.name } };
  const out: Record<string, unknown>[] = [];
  const colourOverride = s.colourOf !== undefined ? { color: { datum: s.colourOf, type: 'nominal' } } : {};
  if (mark !== 'points') {
    out.push({
      transform: [only],
      mark: {
        type: 'line',
        strokeWidth: 2,
        invalid: 'break-paths-filter-domains',
        ...(s.dashed ? { strokeDash: [6, 3] } : {}),
        ...(s.opacity !== undefined ? { opacity: s.opacity } : {}),
      },
      encoding: { ...colourOverride, ...(connect === 'order' ? { order: { field: 'i', type: 'quantitative' } } : {}) },
    });
  }
  if (mark !== 'line') {
    out.push({
      transform: [only],
      mark: {
        type: 'point',
        filled: true,
        size: 36,
        invalid: 'filter',
        ...(s.opacity !== undefined ? { opacity: s.opacity } : {}),
      },
      encoding: colourOverride,
    });
  }
  return out;
}

function colorEncoding(names: readonly string[]): Record<string, unknown> {
  return {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: [...names], scheme: names.length > 10 ? 'tableau20' : 'tableau10' },
    legend: names.length > 1 ? { orient: 'right' } : null,
  };
}

/** Series names in first-seen order across panels (the shared colour domain). */
function seriesNames(panels: readonly LineChartSpec[]): string[] {
  const seen = new Set<string>();
  for (const p of panels) for (const s of p.series) if (s.colourOf === undefined) seen.add(s.name);
  return [...seen];
}

/** A value a log axis cannot place (≤ 0) becomes a gap like NaN. */
function onScale(v: number | null, scale: AxisScale | undefined): number | null {
  return scale === 'log' && v !== null && v <= 0 ? null : v;
}

function isFiniteNumber(v: number | null): v is number {
  return v !== null && Number.isFinite(v);
}

function finiteOrNull(v: number | null): number | null {
  return isFiniteNumber(v) ? v : null;
}
