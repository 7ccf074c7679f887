// Timing of the Shapes-world generator (issue "Generators as policies"): forward + backward of a flow-matching
// loss on a batch of 32 images at 32×32, with 1 and 2 libtorch threads. Medians after two warm-up steps.
// Not wired to a CLI: call `benchModels()` (e.g. `node -e "import('./dist/bench/models.js').then(async m =>
// console.log(m.benchModels()))"`).
import * as torch from '../src/torch/index.js';
import { TextToImageModel, SHAPES_TEXT_TO_IMAGE_CONFIG, type TextToImageConfig } from '../src/models/text-to-image.js';

export interface ModelBenchResult {
  params: number;
  forward_backward_ms_b32_t1: number;
  forward_backward_ms_b32_t2: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median ms of one training step's forward + backward (no optimizer step) at `threads` threads. */
function timeStep(model: TextToImageModel, threads: number, iters: number): number {
  const before = torch.getNumThreads();
  torch.setNumThreads(threads);
  const batch = 32;
  const [ch, size] = model.sampleShape as [number, number, number];
  const data = torch.scope(() => ({
    x0: torch.randn([batch, ch, size, size]),
    noise: torch.randn([batch, ch, size, size]),
    sigma: torch.rand([batch]),
    tokens: torch.randint(0, model.config.encoder.vocabSize, [batch, 12]),
  }));
  const step = (): void =>
    torch.scope(() => {
      model.zeroGrad();
      const s = data.sigma.view(batch, 1, 1, 1);
      const xt = data.x0.mul(s.rsub(1)).add(data.noise.mul(s)); // x_σ = (1−σ)·x₀ + σ·ε
      const v = model.forward(xt, data.sigma, data.tokens);
      torch.F.mseLoss(v, data.noise.sub(data.x0)).backward(); // target v = ε − x₀
    });
  const ts: number[] = [];
  for (let i = 0; i < iters + 2; i++) {
    const t0 = performance.now();
    step();
    if (i >= 2) ts.push(performance.now() - t0);
  }
  torch.disposeAll(data);
  model.zeroGrad();
  torch.setNumThreads(before);
  return median(ts);
}

export function benchModels(opts: { config?: TextToImageConfig; iters?: number } = {}): ModelBenchResult {
  torch.manualSeed(0);
  const model = new TextToImageModel(opts.config ?? SHAPES_TEXT_TO_IMAGE_CONFIG);
  const iters = opts.iters ?? 5;
  try {
    return {
      params: model.numParameters().total,
      forward_backward_ms_b32_t1: Math.round(timeStep(model, 1, iters)),
      forward_backward_ms_b32_t2: Math.round(timeStep(model, 2, iters)),
    };
  } finally {
    model.dispose();
  }
}
