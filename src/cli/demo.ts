// `refract demo`: the main job on the embedded defaults — the shipped Shapes base model, sampled and evaluated
// by the gold ShapesEval, with a sample grid per category written to runs/demo/. (Post-training joins this demo
// when the algorithms land.)
import type { Command } from 'commander';
import path from 'node:path';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { loadTextToImageCheckpoint } from '../models/checkpoint.js';
import { evaluateShapesModel } from '../eval/shapes/model-eval.js';
import { writeGridPng } from '../eval/report/png.js';
import { CATEGORIES } from '../data/shapes/types.js';
import { CliError } from './errors.js';
import { progressBar } from './progress.js';

export const SHIPPED_SHAPES_BASE = 'assets/base/shapes';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('sample and evaluate the shipped Shapes base model; write sample grids and a JSON report')
    .option('--checkpoint <dir>', 'model folder', SHIPPED_SHAPES_BASE)
    .option('--per-category <k>', 'ShapesEval prompts per category', '20')
    .option('--out <dir>', 'output folder', 'runs/demo')
    .action((o: { checkpoint: string; perCategory: string; out: string }) => {
      if (!existsSync(path.join(o.checkpoint, 'config.json'))) {
        throw new CliError('demo', `--checkpoint must be a model folder with config.json, got ${o.checkpoint} — run from the repository root`);
      }
      const perCategory = Number(o.perCategory);
      const model = loadTextToImageCheckpoint(o.checkpoint);
      model.eval();
      console.log(
        `refract demo: libtorch ${torch.versions().torch}, ${torch.getNumThreads()} threads; ` +
          `model ${o.checkpoint} (${model.numParameters().total} parameters)`,
      );
      const bar = progressBar('ShapesEval', perCategory * CATEGORIES.length);
      const t0 = Date.now();
      const r = evaluateShapesModel(model, { perCategory, onProgress: (done) => bar.update(done) });
      bar.stop();
      mkdirSync(o.out, { recursive: true });
      console.log(`\nShapesEval (${perCategory} prompts/category, gold evaluator), overall ${(r.score.overall * 100).toFixed(1)}%`);
      for (const c of CATEGORIES) {
        const first = r.images.filter((_, i) => Math.floor(i / perCategory) === CATEGORIES.indexOf(c)).slice(0, 16).map((x) => x[0]!);
        const file = path.join(o.out, `samples-${c}.png`);
        writeGridPng(file, first, { cols: 8 });
        console.log(`  ${c.padEnd(14)} ${(r.score.categories[c] * 100).toFixed(1).padStart(5)}%   ${file}`);
      }
      const report = { checkpoint: o.checkpoint, seconds: (Date.now() - t0) / 1000, score: { ...r.score, perPrompt: undefined }, prompts: r.prompts };
      writeFileSync(path.join(o.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      console.log(`held-out combinations ${(r.score.heldOut.accuracy * 100).toFixed(1)}%, in-distribution ${(r.score.inDistribution.accuracy * 100).toFixed(1)}%`);
      console.log(`report: ${path.join(o.out, 'report.json')}`);
      model.dispose();
    });
}
