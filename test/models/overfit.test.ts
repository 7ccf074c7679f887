import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { AdamW } from '../../src/torch/optim/adamw.js';
import { TextToImageModel } from '../../src/models/text-to-image.js';
import { TINY_T2I, tokens } from './fixtures.js';

torch.setNumThreads(1); // tiny tensors: a second thread only adds synchronisation

test('AdamW overfits a tiny flow-matching batch: the loss falls by a clear factor', () => {
  torch.manualSeed(11);
  const m = new TextToImageModel(TINY_T2I);
  const opt = new AdamW(m.parameters(), { lr: 3e-3, weightDecay: 0 });
  const data = torch.scope(() => {
    const x0 = torch.rand([4, 3, 16, 16]).mul(2).sub(1);
    const noise = torch.randn([4, 3, 16, 16]);
    const sigma = torch.tensor([0.2, 0.4, 0.6, 0.8]);
    const s = sigma.view(4, 1, 1, 1);
    const xt = x0.mul(s.rsub(1)).add(noise.mul(s)); // x_σ = (1−σ)·x₀ + σ·ε
    return { xt, sigma, target: noise.sub(x0), ids: tokens([[2, 3], [4, 5, 6], [7], []], 4) }; // v = ε − x₀
  });
  const losses: number[] = [];
  for (let step = 0; step < 60; step++) {
    torch.scope(() => {
      opt.zeroGrad();
      const loss = torch.F.mseLoss(m.forward(data.xt, data.sigma, data.ids), data.target);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    });
  }
  const first = losses[0]!;
  const last = Math.min(...losses.slice(-5));
  console.log(`overfit: loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
  assert.ok(last < first / 4, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
  torch.disposeAll(data);
  opt.dispose();
  m.dispose();
});
