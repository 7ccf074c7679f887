/**
 * How good is the gold evaluator? Renders scenes for random prompts (categories in turn) and reports
 * - accuracy: the evaluator accepts the scene drawn for the prompt (true-positive rate);
 * - trueNegativeRate: it rejects the same image against a contradicting prompt (negatives.ts);
 * optionally under i.i.d. Gaussian pixel noise. Run directly for the standard table:
 *   node dist/src/eval/shapes/measure.js [n] [seed]
 */
import { pathToFileURL } from 'node:url';
import { addGaussianNoise } from '../../data/image.js';
import { Rng } from '../../data/rng.js';
import { samplePrompt } from '../../data/shapes/grammar.js';
import { renderScene } from '../../data/shapes/render.js';
import { sampleScene } from '../../data/shapes/scene-sampler.js';
import { CATEGORIES, type Category } from '../../data/shapes/types.js';
import { detectObjects } from './detect.js';
import { judgeDetections, type GoldOptions } from './gold.js';
import { contradictPrompt } from './negatives.js';

export interface MeasureOptions {
  /** Number of prompts (one image each), spread evenly over the six categories. */
  n: number;
  noiseStd: number;
  seed: number;
  gold?: Partial<GoldOptions>;
}

export interface GoldRates {
  n: number;
  accuracy: number;
  trueNegativeRate: number;
}

export interface GoldMeasurement extends GoldRates {
  noiseStd: number;
  seed: number;
  categories: Record<Category, GoldRates>;
  /** A few failing cases (prompt text and the evaluator's reasons), for debugging. */
  failures: { prompt: string; kind: 'positive' | 'negative'; reasons: string[] }[];
}

export function measureGoldAccuracy({ n, noiseStd, seed, gold = {} }: MeasureOptions): GoldMeasurement {
  const rng = new Rng(seed);
  const tally = new Map<Category, { n: number; tp: number; tn: number }>(CATEGORIES.map((c) => [c, { n: 0, tp: 0, tn: 0 }]));
  const failures: GoldMeasurement['failures'] = [];
  for (let i = 0; i < n; i++) {
    const category = CATEGORIES[i % CATEGORIES.length];
    const prompt = samplePrompt(rng, category);
    const negative = contradictPrompt(prompt, rng);
    const image = addGaussianNoise(renderScene(sampleScene(prompt, rng)), noiseStd, rng);
    const detected = detectObjects(image, gold); // detect once, judge twice
    const pos = judgeDetections(prompt, detected, gold);
    const neg = judgeDetections(negative, detected, gold);
    const t = tally.get(category)!;
    t.n++;
    if (pos.ok) t.tp++;
    else if (failures.length < 20) failures.push({ prompt: prompt.text, kind: 'positive', reasons: pos.reasons });
    if (!neg.ok) t.tn++;
    else if (failures.length < 20) failures.push({ prompt: `${negative.text} (image: ${prompt.text})`, kind: 'negative', reasons: [] });
  }
  const rates = (t: { n: number; tp: number; tn: number }): GoldRates => ({
    n: t.n,
    accuracy: t.n ? t.tp / t.n : NaN,
    trueNegativeRate: t.n ? t.tn / t.n : NaN,
  });
  const all = [...tally.values()].reduce((s, t) => ({ n: s.n + t.n, tp: s.tp + t.tp, tn: s.tn + t.tn }), { n: 0, tp: 0, tn: 0 });
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, rates(tally.get(c)!)])) as Record<Category, GoldRates>;
  return { ...rates(all), noiseStd, seed, categories, failures };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`.padStart(8);
}

function main(argv: readonly string[]): void {
  const n = Number(argv[0] ?? 2000);
  const seed = Number(argv[1] ?? 0);
  console.log(`gold evaluator, n=${n} prompts per noise level, seed=${seed}`);
  console.log(`noise   accuracy  true-neg  ${CATEGORIES.map((c) => c.padStart(13)).join(' ')}`);
  for (const noiseStd of [0, 0.05, 0.1, 0.2, 0.3, 0.4]) {
    const m = measureGoldAccuracy({ n, noiseStd, seed });
    const cats = CATEGORIES.map((c) => pct(m.categories[c].accuracy).padStart(13)).join(' ');
    console.log(`${noiseStd.toFixed(2)}  ${pct(m.accuracy)}  ${pct(m.trueNegativeRate)}  ${cats}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
