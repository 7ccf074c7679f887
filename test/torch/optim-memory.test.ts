// A training loop must not leak native tensors: after the first step (which creates optimizer state), the live
// tensor count stays flat over 200 AdamW steps with clipping, an LR schedule and an EMA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Linear, Sequential, SiLU } from '../../src/torch/nn/index.js';
import { AdamW, EMA, LRScheduler, clipGradNorm_, warmupCosine } from '../../src/torch/optim/index.js';

test('200 AdamW steps of a small MLP leave the live tensor count unchanged after step 1', () => {
  const mlp = new Sequential(new Linear(8, 32), new SiLU(), new Linear(32, 32), new SiLU(), new Linear(32, 1));
  const opt = new AdamW(mlp.parameters(), { lr: 1e-2 });
  const sched = new LRScheduler(opt, warmupCosine({ warmupSteps: 10, totalSteps: 200 }));
  const ema = new EMA(mlp, 0.99, { warmup: true });
  const x = torch.randn([64, 8]).keep();
  const y = x.sum(1, true).sin().keep();
  const losses: number[] = [];
  const step = (): void =>
    torch.scope(() => {
      opt.zeroGrad();
      const loss = torch.F.mseLoss(mlp.forward(x), y);
      loss.backward();
      clipGradNorm_(mlp.parameters(), 1.0);
      opt.step();
      sched.step();
      ema.update();
      losses.push(loss.item());
    });
  step();
  const after1 = torch.memoryStats().liveTensors;
  for (let i = 1; i < 200; i++) step();
  assert.equal(torch.memoryStats().liveTensors, after1);
  assert.ok(losses[199]! < losses[0]! * 0.5, `loss should fall: ${losses[0]} → ${losses[199]}`);
  for (const t of [x, y]) t.dispose();
  for (const d of [opt, ema, mlp]) d.dispose();
});

test('optimizer, clipping and EMA steps free their own temporaries (no enclosing scope)', () => {
  const mlp = new Sequential(new Linear(4, 16), new SiLU(), new Linear(16, 1));
  const opt = new AdamW(mlp.parameters(), { lr: 1e-2, amsgrad: true });
  const ema = new EMA(mlp, 0.9);
  const x = torch.randn([16, 4]);
  const step = (): void => {
    opt.zeroGrad();
    {
      using out = mlp.forward(x);
      using sq = out.square();
      using loss = sq.mean();
      loss.backward();
    }
    clipGradNorm_(mlp.parameters(), 0.5);
    opt.step();
    ema.update();
  };
  step();
  const after1 = torch.memoryStats().liveTensors;
  for (let i = 0; i < 20; i++) step();
  assert.equal(torch.memoryStats().liveTensors, after1);
  x.dispose();
  for (const d of [opt, ema, mlp]) d.dispose();
});
