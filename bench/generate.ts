// `refract bench generate`: sampling throughput (images/s at 10 and 40 steps, batch 32, CFG 3, ODE) of the shipped
// Shapes base (assets/base/shapes, its weights) and the time of one pretraining step of its architecture
// (configs/pretrain-shapes.yaml: batch 32, AdamW, grad clip, EMA), at each thread count. One JSON object per case;
// train_step also reports steps/s.
import * as torch from '../src/torch/index.js';
import { loadTextToImageCheckpoint } from '../src/models/checkpoint.js';
import { loadPretrainConfig } from '../src/pretrain/config.js';
import { setupPretrain, pretrainStep } from '../src/pretrain/loop.js';
import { generateImages } from '../src/pipeline/text-to-image.js';
import { shapesEvalPrompts } from '../src/eval/shapes/shapes-eval.js';

export interface GenerateBenchRow {
  case: string;
  threads: number;
  batch: number;
  steps?: number;
  ms: number;
  images_per_s?: number;
  steps_per_s?: number;
  params: number;
}

const CONFIG_FILE = 'configs/pretrain-shapes.yaml';
const BASE_DIR = 'assets/base/shapes';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function* runGenerateBench(opts: { threads?: number[]; quick?: boolean } = {}): Generator<GenerateBenchRow> {
  const config = loadPretrainConfig(CONFIG_FILE);
  const before = torch.getNumThreads();
  const prompts = shapesEvalPrompts({ perCategory: 6 }).prompts.slice(0, 32).map((p) => p.text);
  for (const threads of opts.threads ?? [1, 2]) {
    torch.setNumThreads(threads);
    torch.manualSeed(0);
    const model = loadTextToImageCheckpoint(BASE_DIR);
    model.eval();
    const params = model.numParameters().total;
    for (const steps of [10, 40]) {
      const reps = opts.quick ? 1 : 3;
      const ts: number[] = [];
      generateImages(model, prompts.slice(0, 4), { steps: 2, guidance: 3, sde: 'ode' }); // warm-up
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        generateImages(model, prompts, { steps, guidance: 3, sde: 'ode', batchSize: 32 });
        ts.push(performance.now() - t0);
      }
      const ms = median(ts);
      yield { case: `sample_cfg_${steps}steps`, threads, batch: 32, steps, ms: round(ms), images_per_s: round((32 * 1000) / ms), params };
    }
    model.dispose();
    const run = setupPretrain({ ...config, checkpoint: { ...config.checkpoint, dir: '/nonexistent' } }, false);
    const iters = opts.quick ? 3 : 8;
    const ts: number[] = [];
    for (let s = 1; s <= iters; s++) {
      const t0 = performance.now();
      pretrainStep(run, config, s);
      ts.push(performance.now() - t0);
    }
    const ms = median(ts.slice(1));
    yield { case: 'train_step', threads, batch: config.training.batchSize, ms: round(ms), steps_per_s: round(1000 / ms), params };
    run.model.dispose();
    run.optimizer.dispose();
    run.ema.dispose();
  }
  torch.setNumThreads(before);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
