// The shared update loop of NFT and AWM: epochs of chunked, gradient-accumulated optimizer steps, checked against
// the same AdamW steps taken by hand on a toy quadratic (ℓ_p = (w − y_p)², mean over the chunk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { AdamW } from '../../src/torch/optim/index.js';
import { accumulatedStep, runEpochs } from '../../src/algorithms/accumulated-step.js';

const Y = [0.5, -1, 2, 3, -0.25, 1.5, 0.75];

/** w after `epochs` × `chunks` steps through runEpochs/accumulatedStep (minibatches of 2), with the summary. */
function viaLoop(epochs: number, chunks: number, size: number): { w: number; optimizerSteps: number; firstCount: number } {
  const w = torch.zeros([1]).requiresGrad_(true);
  const y = torch.tensor(Y, { dtype: 'float32' });
  const opt = new AdamW([w], { lr: 0.1, weightDecay: 0 });
  try {
    const e = runEpochs(
      epochs,
      (_, j) =>
        accumulatedStep(opt, Math.min(Y.length, (j + 1) * size) - j * size, 2, 100, (a, b) => {
          const perPoint = w.sub(y.narrow(0, a, b - a)).square();
          return { perPoint, sums: { count: b - a } };
        }, j * size),
      false,
      chunks,
    );
    return { w: w.item(), optimizerSteps: e.optimizerSteps, firstCount: e.firstSums['count']! };
  } finally {
    opt.dispose();
    w.dispose();
    y.dispose();
  }
}

/** The same AdamW steps by hand: one per chunk, on the chunk's mean loss. */
function byHand(epochs: number, chunks: number, size: number): number {
  const w = torch.zeros([1]).requiresGrad_(true);
  const opt = new AdamW([w], { lr: 0.1, weightDecay: 0 });
  try {
    for (let e = 0; e < epochs; e++) {
      for (let j = 0; j < chunks; j++) {
        const ys = Y.slice(j * size, (j + 1) * size);
        torch.scope(() => {
          opt.zeroGrad();
          w.sub(torch.tensor(ys, { dtype: 'float32' })).square().mean().backward();
          opt.step();
        });
      }
    }
    return w.item();
  } finally {
    opt.dispose();
    w.dispose();
  }
}

test('runEpochs × accumulatedStep: each chunk is one AdamW step on its mean loss (minibatched), in order; the first epoch\'s sums cover every point', () => {
  torch.setNumThreads(1);
  for (const [epochs, chunks, size] of [[1, 1, 7], [2, 1, 7], [1, 3, 3], [2, 4, 2]] as const) {
    const got = viaLoop(epochs, chunks, size);
    assert.equal(got.optimizerSteps, epochs * chunks);
    assert.equal(got.firstCount, Y.length, 'first-epoch sums span all points');
    assert.ok(Math.abs(got.w - byHand(epochs, chunks, size)) < 1e-6, `${epochs}×${chunks}: ${got.w} vs ${byHand(epochs, chunks, size)}`);
  }
  assert.notEqual(viaLoop(1, 3, 3).w.toFixed(6), viaLoop(1, 1, 7).w.toFixed(6), 'three steps are not one');
});
