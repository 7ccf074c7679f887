// Standard errors of the gold accuracies the report draws, shown as ±1 SE bands around each evaluation point.
//
// Notation: p an accuracy over n prompts (one image each, judged pass/fail by the gold evaluator), K categories,
// p_c and n_c a category's accuracy and prompt count.
// - A category's accuracy is a binomial proportion:                SE(p_c) = √(p_c(1−p_c)/n_c)
// - ShapesEval's overall is the mean of the K category accuracies (eval/shapes/shapes-eval.ts), each over its own
//   prompts, so it is a mean of independent proportions:           SE(overall) = √(Σ_c p_c(1−p_c)/n_c) / K
//   With equal n_c this is at most the pooled √(p(1−p)/N), N = Σ n_c: the spread between categories is fixed by
//   the design, not sampled. When a suite's overall is not the mean of its categories, the pooled form is used.
import type { ChartPoint } from './charts.js';
import type { JsonValue } from '../../store/run-store-types.js';

/** √(p(1−p)/n); null unless 0 ≤ p ≤ 1 and n > 0. */
export function binomialSe(p: number | null, n: number | null): number | null {
  if (p === null || n === null || !(p >= 0 && p <= 1) || !(n > 0)) return null;
  return Math.sqrt((p * (1 - p)) / n);
}

/** √(Σ_c p_c(1−p_c)/n_c) / K: the SE of the mean of K independent proportions; null when any input is unusable. */
export function stratifiedMeanSe(ps: readonly number[], ns: readonly number[]): number | null {
  if (ps.length === 0 || ps.length !== ns.length) return null;
  let v = 0;
  for (let c = 0; c < ps.length; c++) {
    const se = binomialSe(ps[c]!, ns[c]!);
    if (se === null) return null;
    v += se * se;
  }
  return Math.sqrt(v) / ps.length;
}

/**
 * Prompts per category of one evaluation row, when its details hold per-category accuracies (`details.categories`):
 * the length of `details.perPrompt` (one 0/1 verdict per prompt) over the number of categories evaluated (those with
 * a finite accuracy), else `fallback` (the run config's eval.perCategory for runs from before perPrompt was stored).
 * null when unknown.
 */
export function promptsPerCategory(details: JsonValue, fallback?: number): number | null {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return null;
  const cats = details['categories'];
  if (cats === null || cats === undefined || typeof cats !== 'object' || Array.isArray(cats)) return null;
  const k = Object.values(cats).filter((v) => typeof v === 'number' && Number.isFinite(v)).length;
  const per = details['perPrompt'];
  if (Array.isArray(per) && per.length > 0 && k > 0) return per.length / k;
  return fallback !== undefined && fallback > 0 ? fallback : null;
}

/** What suiteErrors reads of a suite (report-series.ts's SuiteSeries has it). */
export interface AccuracySeries {
  readonly steps: readonly number[];
  readonly overall: readonly ChartPoint[];
  readonly categories: ReadonlyMap<string, readonly ChartPoint[]>;
  /** Prompts per category at each of `steps` (null: unknown, no band). */
  readonly promptsPerCategory: readonly (number | null)[];
}

/** ±1 SE of each point of a suite's overall and category series, aligned with their points (null: no band). */
export function suiteErrors(s: AccuracySeries): {
  overall: (number | null)[];
  categories: Map<string, (number | null)[]>;
} {
  const nAt = new Map(s.steps.map((step, i) => [step, s.promptsPerCategory[i] ?? null]));
  const categories = new Map(
    [...s.categories].map(([name, pts]) => [name, pts.map(([step, p]) => binomialSe(p, nAt.get(step) ?? null))]),
  );
  const overall = s.overall.map(([step, p]) => {
    const n = nAt.get(step) ?? null;
    const ps = [...s.categories.values()]
      .map((pts) => pts.find(([x]) => x === step)?.[1] ?? null)
      .filter((v): v is number => v !== null);
    if (p === null || n === null || ps.length === 0) return null;
    const mean = ps.reduce((a, b) => a + b, 0) / ps.length;
    return Math.abs(mean - p) <= 1e-9
      ? stratifiedMeanSe(
          ps,
          ps.map(() => n),
        )
      : binomialSe(p, n * ps.length);
  });
  return { overall, categories };
}
