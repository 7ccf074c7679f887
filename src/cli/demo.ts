// `refract demo`: the main job on the embedded defaults. For now: fit a tiny conv net on Shapes-world images with
// AdamW and print the loss falling — proof that the engine (libtorch via N-API), nn and optim work end to end.
import type { Command } from 'commander';
import * as torch from '../torch/index.js';
import { Conv2d } from '../torch/nn/conv.js';
import { Module } from '../torch/nn/module.js';
import { AdamW } from '../torch/optim/index.js';
import { Rng } from '../data/rng.js';
import { sampleTrainingBatch } from '../data/shapes/index.js';

class TinyDenoiser extends Module {
  readonly c1 = this.registerModule('c1', new Conv2d(3, 32, 3, { padding: 1 }));
  readonly c2 = this.registerModule('c2', new Conv2d(32, 32, 3, { padding: 1 }));
  readonly c3 = this.registerModule('c3', new Conv2d(32, 3, 3, { padding: 1 }));
  forward(x: torch.Tensor): torch.Tensor {
    return this.c3.forward(this.c2.forward(this.c1.forward(x).silu()).silu());
  }
}

function imagesTensor(rng: Rng, n: number): torch.Tensor {
  const batch = sampleTrainingBatch(rng, n);
  const data = new Float32Array(n * 3 * 32 * 32);
  batch.forEach((ex, i) => data.set(ex.image.data, i * 3 * 32 * 32));
  return torch.fromTypedArray(data, [n, 3, 32, 32]);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('train a tiny denoiser on Shapes-world images and print the loss falling')
    .option('--steps <n>', 'training steps', '60')
    .action((opts: { steps: string }) => {
      torch.manualSeed(0);
      const rng = new Rng(0);
      const model = new TinyDenoiser();
      const opt = new AdamW(model.parameters(), { lr: 2e-3 });
      const steps = Number(opts.steps);
      console.log(`refract demo: libtorch ${torch.versions().torch}, ${torch.getNumThreads()} threads, ${model.numParameters().total} parameters`);
      for (let step = 1; step <= steps; step++) {
        const loss = torch.scope(() => {
          const clean = imagesTensor(rng, 32);
          const noisy = clean.add(torch.randnLike(clean).mul(0.3));
          const l = torch.F.mseLoss(model.forward(noisy), clean);
          opt.zeroGrad();
          l.backward();
          opt.step();
          return l.item();
        });
        if (step === 1 || step % 10 === 0) console.log(`step ${String(step).padStart(4)}  denoising loss ${loss.toFixed(5)}`);
      }
      model.dispose();
      opt.dispose();
    });
}
