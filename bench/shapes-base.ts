// The model that matters, for `refract bench engine`: the shipped Shapes base (assets/base/shapes, loaded with its
// weights) in one flow-matching training step — forward, backward, Adam — at the demo's minibatch of 32.
// bench/shapes_model.py is its Python PyTorch twin: same parameter names, shapes and op order, the same weights
// from model.safetensors, and the same deterministic batch built from the same libtorch ops (bench_inputs), so the
// first step's loss must agree on both sides to float tolerance (the bench reports both).
import * as torch from '../src/torch/index.js';
import { loadTextToImageCheckpoint } from '../src/models/checkpoint.js';
import type { TextToImageModel } from '../src/models/text-to-image.js';

type Tensor = torch.Tensor;

export const SHAPES_BASE_DIR = 'assets/base/shapes';
/** configs/demo.yaml: nft.minibatchSize (and the pretraining batch of configs/pretrain-shapes.yaml). */
export const DEMO_BATCH = 32;

export interface BenchBatch {
  x0: Tensor;
  noise: Tensor;
  sigma: Tensor;
  tokens: Tensor;
}

/** bench_inputs of bench/shapes_model.py, op for op: deterministic images, noise, σ ∈ [0.05, 0.95) and prompts. */
export function benchInputs(batch: number): BenchBatch {
  return torch.scope(() => {
    const n = batch * 3 * 32 * 32;
    const x0 = torch.arange(0, n, 1, { dtype: 'float32' }).mul(0.0073).sin().view(batch, 3, 32, 32);
    const noise = torch.arange(0, n, 1, { dtype: 'float32' }).mul(0.0131).cos().mul(1.5).view(batch, 3, 32, 32);
    const sigma = torch.arange(0, batch, 1, { dtype: 'float32' }).div(batch).mul(0.9).add(0.05);
    const ids = torch.arange(batch * 12).view(batch, 12).mul(7).remainder(31).add(1);
    const keep = torch.arange(12).view(1, 12).lt(torch.arange(batch).remainder(4).add(8).view(batch, 1));
    return { x0, noise, sigma, tokens: ids.mul(keep) };
  });
}

/** x_σ = (1−σ)·x₀ + σ·ε; loss = mse(v_θ(x_σ, σ, prompt), ε − x₀) (rectified flow, as src/pretrain does it). */
export function flowMatchingLoss(model: TextToImageModel, b: BenchBatch): Tensor {
  const n = b.sigma.shape[0]!;
  const s = b.sigma.view(n, 1, 1, 1);
  const xt = b.x0.mul(s.rsub(1)).add(b.noise.mul(s));
  return torch.F.mseLoss(model.forward(xt, b.sigma, b.tokens), b.noise.sub(b.x0));
}

/** The shipped base in training mode plus the demo-sized batch; `loss()` is one step's loss. */
export function shapesBaseCase(batch = DEMO_BATCH): {
  params: Tensor[];
  loss: () => Tensor;
  dispose: () => void;
} {
  const model = loadTextToImageCheckpoint(SHAPES_BASE_DIR);
  model.train();
  const data = torch.scope(() => benchInputs(batch));
  for (const t of Object.values(data)) t.keep();
  return {
    params: model.parameters(),
    loss: () => flowMatchingLoss(model, data),
    dispose: () => {
      torch.disposeAll(data);
      model.dispose();
    },
  };
}
