// `refract eval shapes`: ShapesEval of a checkpoint (720 prompts, fixed prompt seed, sampling seed --seed), with
// held-out prompts reported apart; `--baseline DIR` scores a second checkpoint on the same prompts and seeds and
// prints the paired change per category and overall (eval/paired.ts); `--swap` adds the swap test
// (eval/shapes/swap-test.ts: "A left of B" against "B left of A" from the same noise); `--grid FILE` draws the first
// image of up to 8 prompts per category, each with its prompt and the gold evaluator's ✓/✗.
import { loadImagePolicy } from '../models/checkpoint.js';
import { evaluateShapesModel, type ModelEvalResult } from '../eval/shapes/model-eval.js';
import { SHAPES_EVAL_PER_CATEGORY } from '../eval/shapes/shapes-eval.js';
import { runSwapTest, type SwapTestResult } from '../eval/shapes/swap-test.js';
import { pairedShapesChange, formatPairedDelta } from '../eval/shapes/paired-change.js';
import { writeLabelledGridPng } from '../eval/report/labelled-grid.js';
import { FAILURE_KINDS, evaluatePrompt } from '../eval/shapes/gold.js';
import { failureBreakdown, type CategoryFailures } from '../eval/shapes/failures.js';
import { CATEGORIES, type Category } from '../data/shapes/types.js';
import type { FlowSamplingOptions } from '../pipeline/text-to-image.js';
import { CliError } from './errors.js';
import { progressBar } from './progress.js';

export interface ShapesEvalFlags {
  checkpoint: string;
  perCategory: string;
  samples: string;
  steps: string;
  guidance: string;
  seed: string;
  json?: boolean;
  grid?: string;
  baseline?: string;
  swap?: boolean;
  /** Count the failure kinds per category (eval/shapes/failures.ts). */
  failures?: boolean;
  /** Comma-separated ShapesEval categories (default all six). */
  categories?: string;
}

function categoriesFlag(raw: string | undefined): Category[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((c) => c.trim());
  const bad = list.find((c) => !(CATEGORIES as readonly string[]).includes(c));
  if (bad !== undefined || list.length === 0) {
    throw new CliError('eval', `--categories must be a comma-separated subset of ${CATEGORIES.join(', ')}, got "${(bad ?? raw).slice(0, 40)}" — fix the list`);
  }
  return list as Category[];
}

function intFlag(flag: string, raw: string, lo: number, hi: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new CliError('eval', `${flag} must be an integer in ${lo}..${hi}, got "${raw.slice(0, 40)}" — pass a whole number`);
  }
  return v;
}

interface ScoreOptions {
  perCategory: number;
  categories: Category[] | undefined;
  samples: number;
  seed: number;
  sampling: FlowSamplingOptions;
  quiet: boolean;
}

function scoreCheckpoint(dir: string, o: ScoreOptions): ModelEvalResult {
  const { model } = loadImagePolicy(dir, 'refract eval');
  try {
    const bar = o.quiet ? null : progressBar(`ShapesEval ${dir}`, o.perCategory * (o.categories?.length ?? 6) * o.samples);
    const r = evaluateShapesModel(model, {
      perCategory: o.perCategory,
      ...(o.categories ? { categories: o.categories } : {}),
      samplesPerPrompt: o.samples,
      samplingSeed: o.seed,
      sampling: o.sampling,
      onProgress: (done) => bar?.update(done),
    });
    bar?.stop();
    return r;
  } finally {
    model.dispose();
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = formatPairedDelta;

export function runShapesEval(o: ShapesEvalFlags): void {
  const perCategory = intFlag('--per-category', o.perCategory, 1, SHAPES_EVAL_PER_CATEGORY);
  const samples = intFlag('--samples', o.samples, 1, 16);
  const seed = intFlag('--seed', o.seed, 0, 2 ** 31 - 1);
  const steps = intFlag('--steps', o.steps, 1, 1000);
  const guidance = Number(o.guidance);
  if (!(guidance > 0) || !Number.isFinite(guidance)) {
    throw new CliError('eval', `--guidance must be a positive number, got "${o.guidance.slice(0, 40)}" — e.g. 3`);
  }
  if (o.baseline !== undefined && samples !== 1) {
    throw new CliError('eval', `--samples must be 1 with --baseline (paired per image), got ${samples} — drop --samples`);
  }
  const only = categoriesFlag(o.categories);
  const common = { perCategory, categories: only, samples, seed, sampling: { steps, guidance, sde: 'ode' as const }, quiet: o.json === true };
  const run = scoreCheckpoint(o.checkpoint, common);
  const base = o.baseline === undefined ? null : scoreCheckpoint(o.baseline, common);
  const paired = base && pairedShapesChange(base.score.perPrompt, run.score.perPrompt, run.set.prompts.map((p) => p.category));
  let swap: SwapTestResult | null = null;
  if (o.swap && only !== undefined && !only.includes('position')) {
    throw new CliError('eval', `--categories must include position with --swap, got "${o.categories}" — add position or drop --swap`);
  }
  if (o.swap) {
    const { model } = loadImagePolicy(o.checkpoint, 'refract eval');
    try {
      swap = runSwapTest(model, { perCategory, samplingSeed: seed, sampling: common.sampling });
    } finally {
      model.dispose();
    }
  }
  const { overall, categories, n, heldOut, inDistribution } = run.score;
  const failures = o.failures ? failureBreakdown(run.set, run.images) : null;
  if (o.json) {
    const baseline = base && { checkpoint: o.baseline, overall: base.score.overall, categories: base.score.categories, heldOut: base.score.heldOut, paired };
    console.log(JSON.stringify({ overall, categories, n, seed, promptSeed: run.score.seed, heldOut, inDistribution, ...(baseline ? { baseline } : {}), ...(swap ? { swap } : {}), ...(failures ? { failures } : {}) }));
  } else {
    console.log(`ShapesEval overall ${pct(overall)} (n=${n}, prompt seed ${run.score.seed}, sampling seed ${seed})`);
    for (const [c, a] of Object.entries(categories)) {
      if (Number.isNaN(a)) continue; // a category left out by --categories
      const d = paired?.[c as Category];
      console.log(`  ${c.padEnd(16)} ${pct(a)}${d ? `   Δ ${signed(d)} vs baseline` : ''}`);
    }
    console.log(`  held-out prompts ${pct(heldOut.accuracy)} (n=${heldOut.n}), in-distribution ${pct(inDistribution.accuracy)} (n=${inDistribution.n})`);
    if (base && paired) {
      console.log(`baseline ${o.baseline}: overall ${pct(base.score.overall)}, held-out ${pct(base.score.heldOut.accuracy)}`);
      console.log(`  paired Δ overall ${signed(paired.overall!)} (n=${paired.overall!.n}; gained ${paired.overall!.gained}, lost ${paired.overall!.lost})`);
    }
    if (swap) {
      console.log(`swap test (n=${swap.n} same-seed pairs): mirrored ${pct(swap.mirrored)}, both correct ${pct(swap.bothCorrect)}, accuracy ${pct(swap.accuracy)}`);
    }
    if (failures) printFailures(failures);
  }
  if (o.grid) writeShapesGrid(o.grid, run, perCategory, seed);
}

/** The --failures table: per category, images, correct, and how many fail each kind of requirement. */
function printFailures(failures: Partial<Record<Category, CategoryFailures>>): void {
  console.log(`failures (images failing each kind of requirement; one image can fail several):`);
  console.log(`  ${'category'.padEnd(16)} ${'images'.padStart(6)} ${'correct'.padStart(7)} ${FAILURE_KINDS.map((k) => k.padStart(15)).join('')}`);
  for (const [c, f] of Object.entries(failures)) {
    const cells = FAILURE_KINDS.map((k) => String(f.kinds[k]).padStart(15)).join('');
    console.log(`  ${c.padEnd(16)} ${String(f.images).padStart(6)} ${String(f.correct).padStart(7)} ${cells}`);
  }
}

/**
 * The --grid PNG: one row per category (its first 8 prompts), the first image of each prompt with the prompt and
 * the gold verdict on that image — the check scoreShapesEval made (same default gold options), so with --samples 1
 * the ✓ count of a row is its category's hits among those prompts.
 */
function writeShapesGrid(file: string, run: ModelEvalResult, perCategory: number, seed: number): void {
  const cols = Math.min(8, perCategory);
  const cells = run.set.prompts.flatMap((p, i) => {
    if (i % perCategory >= cols) return [];
    const image = run.images[i]![0]!;
    return [{ image, label: p.text, verdict: evaluatePrompt(p, image).ok, ...(p.heldOut ? { note: 'held-out prompt' } : {}) }];
  });
  const title = `ShapesEval ${pct(run.score.overall)} · sampling seed ${seed} · first image of ${cols} prompts per category`;
  writeLabelledGridPng(file, cells, { cols, title });
}
