// `refract demo` (`npm run demo`): the main job on the embedded defaults (configs/demo.yaml) — a few minutes of
// GRPO post-training of the shipped Shapes base against the gold reward in the shared training loop, ShapesEval
// before and after, and the run report (curves, sample grids before/after) in runs/demo/.
import type { Command } from 'commander';
import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { loadRunConfig } from '../train/config.js';
import { runStoreFile } from '../train/trainer.js';
import { RunStore } from '../store/run-store.js';
import { CATEGORIES } from '../data/shapes/types.js';
import { CliError } from './errors.js';
import { RunLock } from '../store/run-lock.js';
import { trainWithConsole } from './train.js';

export const SHIPPED_SHAPES_BASE = 'assets/base/shapes';
export const DEMO_CONFIG = 'configs/demo.yaml';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('post-train the shipped Shapes base with GRPO for a few minutes; ShapesEval before/after and a report')
    .option('--config <file>', 'run config of the demo', DEMO_CONFIG)
    .action(async (o: { config: string }) => {
      if (!existsSync(o.config)) throw new CliError('demo', `--config must be a YAML run config, got ${o.config} (no such file) — run from the repository root`);
      const config = loadRunConfig(o.config, 'refract demo');
      if (!existsSync(path.join(config.base, 'config.json'))) {
        throw new CliError('demo', `base must be a model folder with config.json, got ${config.base} — run from the repository root`);
      }
      RunLock.assertFree(config.out, 'refract demo'); // never delete the folder of a demo that is still running
      rmSync(config.out, { recursive: true, force: true }); // the demo replaces its previous run
      console.log(
        `refract demo: libtorch ${torch.versions().torch}; ${config.algorithm} on ${config.base} for ${config.iterations} iterations ` +
          `(${config.grpo.promptsPerIteration}×${config.grpo.groupSize} samples each), ShapesEval every ${config.eval.every}`,
      );
      const result = await trainWithConsole(config, false);
      if (result.status !== 'finished' && result.status !== 'stopped') return;
      printBeforeAfter(runStoreFile(config.out), result.runId);
    });
}

/** ShapesEval at the first and the last evaluation of the run, overall and per category. */
function printBeforeAfter(file: string, runId: number): void {
  const store = RunStore.open(file);
  try {
    const evals = store.evaluations(runId).filter((e) => e.suite === 'shapes_eval');
    const before = evals[0];
    const after = evals.at(-1);
    if (before === undefined || after === undefined) return;
    const cats = (e: typeof before): Record<string, number> => ((e.details as { categories?: Record<string, number> }).categories ?? {});
    const pct = (x: number | undefined): string => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`.padStart(6));
    console.log(`\nShapesEval (gold evaluator)   before (iteration ${before.step})   after (iteration ${after.step})`);
    console.log(`  ${'overall'.padEnd(14)} ${pct(before.overall)}   ${pct(after.overall)}`);
    for (const c of CATEGORIES) console.log(`  ${c.padEnd(14)} ${pct(cats(before)[c])}   ${pct(cats(after)[c])}`);
  } finally {
    store.close();
  }
}
