// The importance ratio must start at exactly 1 with the real network, not only with the samplers' stand-in:
// replaying a rollout of the conditional U-Net must reproduce its per-step log-probs within 1e-5 whatever the
// batch split and thread count (peers get ratios ≠ 1 from batching: DanceGRPO #57, flow_grpo #104/#247).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { TextToImageModel, SHAPES_TEXT_TO_IMAGE_CONFIG } from '../../src/models/text-to-image.js';
import { rolloutPrompts } from '../../src/pipeline/text-to-image.js';
import { replayLogProbs } from '../../src/generate/replay.js';
import { mergeDeep } from '../../src/pretrain/loop.js';
import type { TextToImageConfig } from '../../src/models/text-to-image.js';

const SMALL = mergeDeep(SHAPES_TEXT_TO_IMAGE_CONFIG, { unet: { baseChannels: 16, groups: 8 } }) as TextToImageConfig;

function randomisedModel(): TextToImageModel {
  torch.manualSeed(7);
  const m = new TextToImageModel(SMALL);
  // The output conv is zero-initialised; perturb every parameter so the velocity depends on x, σ and the prompt.
  torch.noGrad(() => {
    for (const p of m.parameters()) torch.scope(() => p.add_(torch.randnLike(p).mul(0.05)));
  });
  m.eval();
  return m;
}

const PROMPTS = ['a red circle', 'two squares', 'a blue triangle to the left of a circle', 'a green cross and a red square'];

function maxAbsDiff(a: torch.Tensor, b: torch.Tensor): number {
  return torch.scope(() => a.sub(b).abs().max().item());
}

test('U-Net rollout log-probs replay within 1e-5 across batch splits and thread counts', () => {
  const model = randomisedModel();
  const before = torch.getNumThreads();
  torch.scope(() => {
    const prompts = Array.from({ length: 16 }, (_, i) => PROMPTS[i % PROMPTS.length]!);
    const seeds = prompts.map((_, i) => 1000 + i);
    torch.setNumThreads(1);
    const traj = rolloutPrompts(model, prompts, seeds, { steps: 6, guidance: 3, sde: 'flow_sde', noiseLevel: 0.7 });
    const steps = [0, 1, 2, 3, 4];
    for (const [threads, batchSize] of [
      [1, 16],
      [1, 1],
      [2, 16],
      [2, 5],
    ] as const) {
      torch.setNumThreads(threads);
      const r = torch.noGrad(() => replayLogProbs(model.denoiser(), traj, steps, { batchSize }));
      const recorded = traj.logProbs.narrow(1, 0, steps.length);
      const d = maxAbsDiff(r.logProbs, recorded);
      assert.ok(d < 1e-5, `threads ${threads}, replay batch ${batchSize}: max |Δ log p| = ${d}`);
    }
  });
  torch.setNumThreads(before);
  model.dispose();
});

test('a sample drawn alone equals the same sample drawn in a batch of 16', () => {
  const model = randomisedModel();
  torch.scope(() => {
    const prompts = Array.from({ length: 16 }, (_, i) => PROMPTS[i % PROMPTS.length]!);
    const seeds = prompts.map((_, i) => 50 + i);
    const batch = rolloutPrompts(model, prompts, seeds, { steps: 4, guidance: 3, sde: 'flow_sde' });
    const alone = rolloutPrompts(model, [prompts[5]!], [seeds[5]!], { steps: 4, guidance: 3, sde: 'flow_sde' });
    const d = maxAbsDiff(batch.finalSample.narrow(0, 5, 1), alone.finalSample);
    assert.ok(d < 1e-4, `max |Δx0| = ${d}`);
    const dl = maxAbsDiff(batch.logProbs.narrow(0, 5, 1), alone.logProbs);
    assert.ok(dl < 1e-5, `max |Δ log p| = ${dl}`);
  });
  model.dispose();
});
