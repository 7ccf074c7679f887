// `refract bench generate`: sampling throughput (images/s at 10 and 40 steps, batch 32) and training-step time
// of the shipped Shapes base architecture, at each thread count. One JSON object per case.
import * as torch from '../src/torch/index.js';
import { TextToImageModel, SHAPES_TEXT_TO_IMAGE_CONFIG, type TextToImageConfig } from '../src/models/text-to-image.js';
import { loadPretrainConfig } from '../src/pretrain/config.js';
import { mergeDeep, setupPretrain, pretrainStep } from '../src/pretrain/loop.js';
import { generateImages } from '../src/pipeline/text-to-image.js';
import { shapesEvalPrompts } from '../src/eval/shapes/shapes-eval.js';

export interface GenerateBenchRow {
  case: string;
  threads: number;
  batch: number;
  steps?: number;
  ms: number;
  images_per_s?: number;
  params: number;
}

const CONFIG_FILE = 'configs/pretrain-shapes.yaml';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function* runGenerateBench(opts: { threads?: number[]; quick?: boolean } = {}): Generator<GenerateBenchRow> {
  const config = loadPretrainConfig(CONFIG_FILE);
  const modelConfig = mergeDeep(SHAPES_TEXT_TO_IMAGE_CONFIG, config.model) as TextToImageConfig;
  const before = torch.getNumThreads();
  const prompts = shapesEvalPrompts({ perCategory: 6 }).prompts.slice(0, 32).map((p) => p.text);
  for (const threads of opts.threads ?? [1, 2]) {
    torch.setNumThreads(threads);
    torch.manualSeed(0);
    const model = new TextToImageModel(modelConfig);
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
    yield { case: 'train_step', threads, batch: config.training.batchSize, ms: round(median(ts.slice(1))), params };
    run.model.dispose();
    run.optimizer.dispose();
    run.ema.dispose();
  }
  torch.setNumThreads(before);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
