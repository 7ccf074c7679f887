// The paired before/after change of ShapesEval on the same prompts and seeds: overall and per category, each a
// PairedBinaryDelta (eval/paired.ts) over the prompts' 0/1 gold verdicts. With one image per prompt and equal
// prompts per category, the overall Δ equals the change of ShapesEval overall (the mean of the categories).
import { pairedBinaryDelta, type PairedBinaryDelta } from '../paired.js';
import { CATEGORIES, type Category } from '../../data/shapes/types.js';

export type PairedShapesChange = { overall: PairedBinaryDelta } & Partial<Record<Category, PairedBinaryDelta>>;

/** before[i], after[i]: verdicts (0/1, or a fraction ≥ 0.5 counted as 1) of prompt i, whose category is categories[i]. */
export function pairedShapesChange(
  before: readonly number[],
  after: readonly number[],
  categories: readonly Category[],
): PairedShapesChange {
  if (categories.length !== before.length) {
    throw new Error(`refract pairedShapesChange: categories must name one category per prompt (${before.length}), got ${categories.length}`);
  }
  const bin = (xs: readonly number[]): number[] => xs.map((x) => (x >= 0.5 ? 1 : 0));
  const b = bin(before);
  const a = bin(after);
  const out: PairedShapesChange = { overall: pairedBinaryDelta(b, a) };
  for (const c of CATEGORIES) {
    const idx = categories.flatMap((k, i) => (k === c ? [i] : []));
    if (idx.length > 0) out[c] = pairedBinaryDelta(idx.map((i) => b[i]!), idx.map((i) => a[i]!));
  }
  return out;
}

/** "+4.2% ± 1.3%": a change and its paired SE, in points. */
export function formatPairedDelta(d: PairedBinaryDelta): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return `${d.delta >= 0 ? '+' : '−'}${pct(Math.abs(d.delta))} ± ${pct(d.standardError)}`;
}
