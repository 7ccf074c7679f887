// `refract demo` (`npm run demo`): the main job on the embedded defaults (configs/demo.yaml) — a few minutes of
// post-training (DiffusionNFT) of the shipped Shapes base against the gold reward in the shared training loop,
// ShapesEval before and after on the same prompts and seeds with the paired change, and the run report (curves,
// labelled sample grids) in runs/demo/.
import type { Command } from 'commander';
import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { loadRunConfig, type RunConfig } from '../train/config.js';
import { shapesEvalPrompts } from '../eval/shapes/shapes-eval.js';
import { pairedShapesChange, formatPairedDelta } from '../eval/shapes/paired-change.js';
import { runStoreFile } from '../train/trainer.js';
import { RunStore } from '../store/run-store.js';
import { CATEGORIES, type Category } from '../data/shapes/types.js';
import { CliError } from './errors.js';
import { RunLock } from '../store/run-lock.js';
import { trainWithConsole } from './train.js';

export const SHIPPED_SHAPES_BASE = 'assets/base/shapes';
export const DEMO_CONFIG = 'configs/demo.yaml';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('post-train the shipped Shapes base for a few minutes (configs/demo.yaml); ShapesEval before/after with paired SE, and a report')
    .option('--config <file>', 'run config of the demo', DEMO_CONFIG)
    .action(async (o: { config: string }) => {
      if (!existsSync(o.config)) throw new CliError('demo', `--config must be a YAML run config, got ${o.config} (no such file) — run from the repository root`);
      const config = loadRunConfig(o.config, 'refract demo');
      if (!existsSync(path.join(config.base, 'config.json'))) {
        throw new CliError('demo', `base must be a model folder with config.json, got ${config.base} — run from the repository root`);
      }
      RunLock.assertFree(config.out, 'refract demo'); // never delete the folder of a demo that is still running
      rmSync(config.out, { recursive: true, force: true }); // the demo replaces its previous run
      const budget = config.maxSeconds !== undefined ? `${config.maxSeconds} s of training` : `${config.iterations} iterations`;
      const evalSet = `${config.eval.perCategory} ShapesEval prompts per category (${(config.eval.categories ?? CATEGORIES).join(', ')})`;
      console.log(`refract demo: libtorch ${torch.versions().torch}; ${config.algorithm} on ${config.base} for ${budget}; gold on ${evalSet} before and after`);
      const result = await trainWithConsole(config, false);
      if (result.status !== 'finished' && result.status !== 'stopped') return;
      printBeforeAfter(runStoreFile(config.out), result.runId, config);
    });
}

/**
 * ShapesEval at the first and the last evaluation of the run, overall and per category, with the paired change
 * (same prompts and seeds: eval/shapes/paired-change.ts) and how many paired SEs it is.
 */
function printBeforeAfter(file: string, runId: number, config: Readonly<RunConfig>): void {
  const store = RunStore.open(file);
  try {
    const evals = store.evaluations(runId).filter((e) => e.suite === 'shapes_eval');
    const before = evals[0];
    const after = evals.at(-1);
    if (before === undefined || after === undefined) return;
    type Details = { categories?: Record<string, number | null>; perPrompt?: number[] };
    const d0 = before.details as Details;
    const d1 = after.details as Details;
    const set = evaluationSet(config);
    const paired = d0.perPrompt && d1.perPrompt ? pairedShapesChange(d0.perPrompt, d1.perPrompt, set.map((p) => p.category)) : null;
    const pct = (x: number | null | undefined): string => (x === undefined || x === null ? '—' : `${(x * 100).toFixed(1)}%`.padStart(6));
    const change = (c: 'overall' | Category): string => {
      const d = paired?.[c];
      return d ? `   Δ ${formatPairedDelta(d)} (${(d.delta / (d.standardError || NaN)).toFixed(1)} SE)` : '';
    };
    console.log(`\nShapesEval (gold evaluator, n=${set.length})   before (iteration ${before.step})   after (iteration ${after.step})   paired change`);
    console.log(`  ${'overall'.padEnd(14)} ${pct(before.overall)}   ${pct(after.overall)}${change('overall')}`);
    for (const c of CATEGORIES) {
      if (d0.categories?.[c] === null || d0.categories?.[c] === undefined) continue; // not in the demo's evaluation
      console.log(`  ${c.padEnd(14)} ${pct(d0.categories[c])}   ${pct(d1.categories?.[c])}${change(c)}`);
    }
  } finally {
    store.close();
  }
}

/** The demo's evaluation prompts, in the order the loop evaluates them (train/evaluation.ts). */
function evaluationSet(config: Readonly<RunConfig>): { category: Category }[] {
  const only = config.eval.categories;
  const all = shapesEvalPrompts({ perCategory: config.eval.perCategory }).prompts;
  return only === undefined ? all : all.filter((p) => only.includes(p.category));
}
