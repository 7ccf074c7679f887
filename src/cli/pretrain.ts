// `refract pretrain CONFIG.yaml [--resume]`: train a base flow model on the config's testbed (src/pretrain/), from
// scratch or, with `init:` in the config, fine-tuning an existing checkpoint.
import type { Command } from 'commander';
import path from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { loadPretrainConfig } from '../pretrain/config.js';
import { setupPretrain, runPretrain, emaModel, lastPretrainStep, type PretrainRun } from '../pretrain/loop.js';
import type { PretrainConfig } from '../pretrain/config.js';
import { latestCheckpointStep } from '../store/training-checkpoint.js';
import { CliError } from './errors.js';
import { saveCheckpoint, type JsonValue } from '../models/checkpoint.js';
import { progressBar } from './progress.js';
import { RunLock } from '../store/run-lock.js';
import { PretrainRunLog } from '../pretrain/run-log.js';

export function registerPretrain(program: Command): void {
  program
    .command('pretrain')
    .description('train a base model from a YAML config (progress, periodic checkpoints, --resume)')
    .argument('<config>', 'YAML config, e.g. configs/pretrain-shapes.yaml')
    .option('--resume', 'continue from the latest checkpoint in checkpoint.dir')
    .option('--export <dir>', 'write the EMA model (model.safetensors + config.json) here when done')
    .option(
      '--export-only',
      "export the latest checkpoint's EMA model to --export without training (a snapshot of a run)",
    )
    .action((file: string, opts: { resume?: boolean; export?: string; exportOnly?: boolean }) => {
      const config = loadPretrainConfig(file);
      if (opts.exportOnly) return exportLatest(config, opts.export);
      if (config.training.threads) torch.setNumThreads(config.training.threads);
      // One process per checkpoint folder (docs/reliability.md): a second pretrain on it is refused naming the owner.
      const lock = RunLock.acquire(config.checkpoint.dir, 'refract pretrain', { field: 'checkpoint.dir' });
      try {
        trainBase(config, opts);
      } finally {
        lock.release();
      }
    });
}

/** The pretraining run itself: progress bar, periodic evaluations, log.json, and the export when asked. */
function trainBase(config: Readonly<PretrainConfig>, opts: { resume?: boolean; export?: string }): void {
  const run = setupPretrain(config, opts.resume ?? false);
  const total = lastPretrainStep(config);
  console.log(
    `refract pretrain: ${run.model.numParameters().total} parameters, ` +
      `${config.init !== undefined && run.startStep === 1 ? `fine-tuning ${config.init}, ` : ''}` +
      `steps ${run.startStep}..${total}, ` +
      `batch ${config.training.batchSize}, ${torch.getNumThreads()} threads, checkpoints in ${config.checkpoint.dir}`,
  );
  const log: object[] = [];
  const store = PretrainRunLog.open(config, opts.resume ?? false); // the run as the Studio sees it
  const started = performance.now();
  const bar = progressBar('pretrain', total, 'loss {loss} lr {lr}', run.startStep - 1);
  let ema = NaN;
  try {
    runPretrain(run, config, {
      onStep: (m) => {
        store.step(m);
        ema = Number.isNaN(ema) ? m.loss : 0.98 * ema + 0.02 * m.loss;
        const seconds = Math.round((performance.now() - started) / 100) / 10; // this process's wall time
        if (m.step % 50 === 0) {
          const row = { step: m.step, loss: ema, gradNorm: m.gradNorm, lr: m.lr, seconds };
          log.push(m.grounding === undefined ? row : { ...row, grounding: m.grounding });
        }
        bar.update(m.step, { loss: ema.toFixed(4), lr: m.lr.toExponential(2) });
      },
      onEval: (step, model) => {
        const r = run.testbed.evaluate(model, {
          n: config.eval.perCategory,
          sampling: {
            steps: config.eval.steps,
            guidance: config.eval.guidance,
            sde: 'ode',
            vocabulary: run.testbed.vocabulary,
          },
        });
        log.push({ step, eval: r.metric, overall: r.overall, details: r.details });
        store.evaluation(step, r);
        process.stdout.write(
          `\nstep ${step}: ${r.metric} (n ${config.eval.perCategory}) overall ${r.overall.toFixed(3)} ${JSON.stringify(r.details)}\n`,
        );
      },
    });
  } catch (err) {
    store.close('failed');
    throw err;
  }
  store.close('finished');
  bar.stop();
  mkdirSync(config.checkpoint.dir, { recursive: true });
  writeFileSync(path.join(config.checkpoint.dir, 'log.json'), `${JSON.stringify(log, null, 1)}\n`);
  if (opts.export) exportEma(run, config, opts.export, total);
}

/** Writes the run's EMA model as a checkpoint folder; extra.pretrain is the whole config, extra.steps the steps taken. */
function exportEma(run: PretrainRun, config: Readonly<PretrainConfig>, dir: string, steps: number): void {
  const m = emaModel(run); // the grounding heads, if any, are pretraining scaffolding and stay behind
  // extra.pretrain is the whole config: a fine-tuned model's extra.pretrain.init names the checkpoint it began from
  const extra = { pretrain: JSON.parse(JSON.stringify(config)) as JsonValue, steps, testbed: config.testbed };
  saveCheckpoint(dir, m, extra, { dtype: 'float16' });
  run.testbed.writePreview(m, dir);
  console.log(`refract pretrain: exported the EMA model after ${steps} steps to ${dir}`);
  m.dispose();
}

/** --export-only: the latest checkpoint's EMA model, without a training step (the run may still be going). */
function exportLatest(config: Readonly<PretrainConfig>, dir: string | undefined): void {
  if (dir === undefined)
    throw new CliError('pretrain', '--export must name a folder with --export-only, got none — add --export DIR');
  const step = latestCheckpointStep(config.checkpoint.dir);
  if (step === null) {
    throw new CliError(
      'pretrain',
      `checkpoint.dir must hold a checkpoint with --export-only, got none in ${config.checkpoint.dir} — train first`,
    );
  }
  const run = setupPretrain(config, true);
  exportEma(run, config, dir, step);
  run.model.dispose();
}
