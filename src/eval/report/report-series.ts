// Pure reductions of a run's rows into what the report draws and tabulates: per-metric series, d = √KL, evaluation
// series per suite, before/after tables and first/last window means. No I/O here (run-data.ts reads, report-*.ts
// render).
import type { JsonValue, DiagnosticRow, EvaluationRow, StepRow } from '../../store/run-store-types.js';
import type { ChartPoint } from './charts.js';
import { promptsPerCategory } from './accuracy-se.js';

/** Step-metric names holding the KL to the reference (initial) policy, in order of preference. */
export const KL_METRIC_NAMES = ['klToReference', 'kl_to_reference', 'kl'] as const;

/** Metric names in first-seen order over the steps. */
export function metricNames(steps: readonly StepRow[]): string[] {
  const seen = new Set<string>();
  for (const s of steps) for (const k of Object.keys(s.metrics)) seen.add(k);
  return [...seen];
}

/** (step, value) of one step metric; steps without it or with a non-finite value give null (a gap). */
export function stepSeries(steps: readonly StepRow[], name: string): ChartPoint[] {
  return steps.map((s) => [s.step, finite(s.metrics[name])]);
}

/** Diagnostics as one series per name, names in first-seen order. */
export function diagnosticSeries(rows: readonly DiagnosticRow[]): Map<string, ChartPoint[]> {
  const out = new Map<string, ChartPoint[]>();
  for (const r of rows) {
    let pts = out.get(r.name);
    if (pts === undefined) out.set(r.name, (pts = []));
    pts.push([r.step, finite(r.value)]);
  }
  return out;
}

/** The step metric holding KL to the reference, if the run logged one (see KL_METRIC_NAMES). */
export function klMetricName(names: readonly string[]): string | undefined {
  return KL_METRIC_NAMES.find((k) => names.includes(k));
}

/**
 * d = √KL(π‖π_init), the x-axis of Gao et al.'s over-optimisation law R(d) = d(α − β·log d) (arXiv 2210.10760, §3).
 * Sample estimates of KL can be slightly negative; they are clipped at 0. Non-finite → null.
 */
export function klDistance(kl: number | null | undefined): number | null {
  const v = finite(kl);
  return v === null ? null : Math.sqrt(Math.max(0, v));
}

/** One evaluation suite over the run: overall and each numeric detail (flattened, e.g. 'counting', 'heldOut'). */
export interface SuiteSeries {
  readonly suite: string;
  readonly steps: readonly number[];
  readonly overall: ChartPoint[];
  /** Per-category accuracies when details hold them (a `categories` object, or numbers at the top level). */
  readonly categories: Map<string, ChartPoint[]>;
  /** Other numeric details (held-out accuracy, proxy, ...), dotted paths for nested objects. */
  readonly extras: Map<string, ChartPoint[]>;
  /** Prompts per category at each step (accuracy-se.ts promptsPerCategory), null where unknown. */
  readonly promptsPerCategory: (number | null)[];
}

/**
 * Evaluation rows grouped by suite (suites in first-seen order, steps ascending). `perCategory` gives, per suite,
 * the prompts per category to assume where a row does not store its per-prompt verdicts (the run's eval config).
 */
export function suiteSeries(
  evaluations: readonly EvaluationRow[],
  perCategory: Readonly<Record<string, number>> = {},
): SuiteSeries[] {
  const bySuite = new Map<string, EvaluationRow[]>();
  for (const e of evaluations) bySuite.set(e.suite, [...(bySuite.get(e.suite) ?? []), e]);
  return [...bySuite].map(([suite, rows]) => {
    rows.sort((a, b) => a.step - b.step);
    const categories = new Map<string, ChartPoint[]>();
    const extras = new Map<string, ChartPoint[]>();
    for (const r of rows) {
      const { cats, rest } = splitDetails(r.details);
      for (const [k, v] of Object.entries(cats)) push(categories, k, [r.step, v]);
      for (const [k, v] of Object.entries(rest)) push(extras, k, [r.step, v]);
    }
    return {
      suite,
      steps: rows.map((r) => r.step),
      overall: rows.map((r) => [r.step, finite(r.overall)]),
      categories,
      extras,
      promptsPerCategory: rows.map((r) => promptsPerCategory(r.details, perCategory[suite])),
    };
  });
}

/** A value at the first and last evaluation of a suite. */
export interface BeforeAfter {
  readonly name: string;
  readonly before: number | null;
  readonly after: number | null;
  /** after − before (null when either is missing). */
  readonly delta: number | null;
}

/** Overall and each category at the suite's first and last evaluated step. */
export function suiteBeforeAfter(s: SuiteSeries): { beforeStep: number; afterStep: number; rows: BeforeAfter[] } {
  const at = (pts: readonly ChartPoint[], step: number): number | null => pts.find(([x]) => x === step)?.[1] ?? null;
  const beforeStep = s.steps[0]!;
  const afterStep = s.steps[s.steps.length - 1]!;
  const row = (name: string, pts: readonly ChartPoint[]): BeforeAfter => {
    const before = at(pts, beforeStep);
    const after = at(pts, afterStep);
    return { name, before, after, delta: before !== null && after !== null ? after - before : null };
  };
  return {
    beforeStep,
    afterStep,
    rows: [
      row('overall', s.overall),
      ...[...s.categories].map(([k, pts]) => row(k, pts)),
      ...[...s.extras].map(([k, pts]) => row(k, pts)),
    ],
  };
}

/** Summary of one series: count of finite values, min, max, and means of its first and last windows. */
export interface SeriesSummary {
  readonly n: number;
  readonly min: number | null;
  readonly max: number | null;
  /** Mean of the first k finite values, k = clamp(round(n/10), 1, 10): smooths single-step noise. */
  readonly first: number | null;
  /** Mean of the last k finite values. */
  readonly last: number | null;
  readonly window: number;
}

export function summarise(points: readonly ChartPoint[]): SeriesSummary {
  const ys = points.map(([, y]) => y).filter((y): y is number => y !== null && Number.isFinite(y));
  if (ys.length === 0) return { n: 0, min: null, max: null, first: null, last: null, window: 0 };
  const k = Math.min(10, Math.max(1, Math.round(ys.length / 10)));
  const mean = (a: number[]): number => a.reduce((s, y) => s + y, 0) / a.length;
  return {
    n: ys.length,
    min: Math.min(...ys),
    max: Math.max(...ys),
    first: mean(ys.slice(0, k)),
    last: mean(ys.slice(-k)),
    window: k,
  };
}

/**
 * d at each evaluation step: d of the mean KL over the training steps since the previous evaluation (up to and
 * including this one) — what the loop's EvalSnapshot.klToReference holds — and 0 at step 0 (the base is the
 * reference). Null when no finite KL was logged in that span.
 */
export function distanceAtSteps(evalSteps: readonly number[], kl: readonly ChartPoint[]): (number | null)[] {
  return evalSteps.map((step, i) => {
    if (step === 0) return 0;
    const from = i > 0 ? evalSteps[i - 1]! : -Infinity;
    const span = kl.filter(([x, y]) => x > from && x <= step && y !== null).map(([, y]) => y as number);
    return span.length === 0 ? null : klDistance(span.reduce((a, b) => a + b, 0) / span.length);
  });
}

/**
 * Groups per-timestep diagnostics — names ending in `_t<k>`, `.t<k>` or `/t<k>` (e.g. `ratio_mean_t3`) — under their
 * base name, so each base draws as one chart with a line per timestep; other names stay single.
 */
export function groupByTimestep(names: readonly string[]): {
  groups: Map<string, { t: number; name: string }[]>;
  singles: string[];
} {
  const groups = new Map<string, { t: number; name: string }[]>();
  const singles: string[] = [];
  for (const name of names) {
    const m = /^(.+?)[_./]t(\d+)$/.exec(name);
    if (m === null) singles.push(name);
    else push(groups, m[1]!, { t: Number(m[2]), name });
  }
  for (const [base, g] of groups) {
    if (g.length < 2) {
      groups.delete(base);
      singles.push(g[0]!.name);
    } else g.sort((a, b) => a.t - b.t);
  }
  return { groups, singles };
}

/** Which report section a metric or diagnostic belongs to, by name. */
export type MetricTopic = 'reward' | 'kl' | 'ratio' | 'image' | 'monitor' | 'other';

export function metricTopic(name: string): MetricTopic {
  if (/^monitor_/.test(name)) return 'monitor';
  if (/reward|gold|proxy/i.test(name)) return 'reward';
  if (/ratio|clip/i.test(name)) return 'ratio';
  if (/kl/i.test(name)) return 'kl';
  if (/dark|edge|entropy|brightness|saturation|diversity/i.test(name)) return 'image';
  return 'other';
}

function splitDetails(details: JsonValue): {
  cats: Record<string, number | null>;
  rest: Record<string, number | null>;
} {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return { cats: {}, rest: {} };
  const nested = details['categories'];
  if (nested !== undefined && nested !== null && typeof nested === 'object' && !Array.isArray(nested)) {
    // `overall` repeats the row's own column; everything else (held-out accuracy, proxy, stats...) is an extra.
    const rest = flattenNumbers(
      Object.fromEntries(Object.entries(details).filter(([k]) => k !== 'categories' && k !== 'overall')),
    );
    return { cats: flattenNumbers(nested), rest };
  }
  return { cats: flattenNumbers(details), rest: {} };
}

/** Numeric leaves of a JSON value as dotted paths (arrays and strings are skipped). */
export function flattenNumbers(v: JsonValue, prefix = ''): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (typeof v === 'number') out[prefix] = finite(v);
  else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) Object.assign(out, flattenNumbers(x, prefix ? `${prefix}.${k}` : k));
  }
  return out;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a === undefined) m.set(k, [v]);
  else a.push(v);
}

function finite(v: number | null | undefined): number | null {
  return v !== null && v !== undefined && Number.isFinite(v) ? v : null;
}

/**
 * Centred moving mean over `window` iterations (odd; the finite values among the neighbours): smooths per-iteration
 * rewards, which are means over one small batch. A point without a value stays a gap.
 */
export function movingMean(points: readonly ChartPoint[], window: number): ChartPoint[] {
  const h = Math.floor(window / 2);
  return points.map(([x, y], i) => {
    if (y === null) return [x, null];
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - h); j <= Math.min(points.length - 1, i + h); j++) {
      const v = points[j]![1];
      if (v !== null) {
        sum += v;
        n++;
      }
    }
    return [x, sum / n];
  });
}

/** Smoothing window for a series of n values: about a tenth of them, odd, 3–25. */
export function smoothingWindow(n: number): number {
  const w = Math.min(25, Math.max(3, Math.round(n / 10)));
  return w % 2 === 1 ? w : w + 1;
}

/** Series with identical points merged into one named "a = b" (e.g. a proxy that is the gold reward itself). */
export function mergeIdentical<T extends { readonly name: string; readonly points: readonly ChartPoint[] }>(
  series: readonly T[],
): T[] {
  const out: T[] = [];
  for (const s of series) {
    const key = JSON.stringify(s.points);
    const i = out.findIndex((o) => JSON.stringify(o.points) === key);
    if (i < 0) out.push(s);
    else out[i] = { ...out[i]!, name: `${out[i]!.name} = ${s.name}` };
  }
  return out;
}
