// Every algorithm of the one loop on a generator brought as TorchScript (issue #15): the tiny scripted velocity model
// of test/fixtures/make_script_generator.py as policy, its deep copy as frozen reference. Each algorithm's steps run
// with finite losses, move the policy — and with it what the TorchScript module computes — and leave the reference
// as it was; GRPO's first-epoch importance ratio is 1 within 1e-5 (replaying the rollout recomputes its log-probs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import type { AlgorithmContext } from '../../src/algorithms/algorithm.js';
import type { RewardModel } from '../../src/rewards/types.js';
import { shapesPromptSource } from '../../src/train/prompt-sources.js';
import { ALGORITHMS, createAlgorithm, type AlgorithmName } from '../../src/train/registry.js';
import { brightnessReward } from './ddpo-fixtures.js';
import { tinyGenerator } from '../models/torchscript/fixtures.js';

torch.setNumThreads(1);

/** Mean brightness, differentiable in the images (for ReFL / DRaFT). */
const differentiableBrightness: RewardModel = {
  name: 'brightness_differentiable',
  version: '1',
  components: ['brightness'],
  differentiable: true,
  async score(batch) {
    const total = Float32Array.from(torch.noGrad(() => torch.scope(() => batch.images!.mean([1, 2, 3]).toArray())));
    return { total, components: { brightness: total }, meta: { name: 'brightness_differentiable', version: '1' } };
  },
  scoreDifferentiable: (images: Tensor) => images.mean([1, 2, 3]),
};

const SECTIONS: Record<AlgorithmName, Record<string, unknown>> = {
  grpo: { promptsPerIteration: 2, groupSize: 3, minibatchSize: 6, innerEpochs: 1, sampler: { steps: 3 }, lr: 1e-2 },
  ddpo: { promptsPerIteration: 2, samplesPerPrompt: 2, minibatchSize: 4, sampler: { steps: 3 }, lr: 1e-2, statTracker: { bufferSize: 8, minCount: 2 } },
  rwr: { promptsPerIteration: 2, samplesPerPrompt: 2, minibatchSize: 4, sampler: { steps: 3 }, lr: 1e-2 },
  dpo: { mode: 'online', beta: 100, lr: 1e-2, innerEpochs: 1, minibatchSize: 2, online: { promptsPerIteration: 2, groupSize: 2, sampler: { steps: 2 } } },
  reward_backprop: { method: 'draft', batchSize: 2, lr: 1e-2, sampler: { steps: 3 }, regularizer: { kind: 'reference', weight: 0.5 } },
  nft: { promptsPerIteration: 2, groupSize: 3, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 6, lr: 1e-2 },
  awm: { promptsPerIteration: 2, groupSize: 3, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 6, lr: 1e-2 },
};

function weights(m: { parameters(): Tensor[] }): number[] {
  return torch.scope(() => m.parameters().flatMap((p) => p.toArray()));
}

/** The raw TorchScript forward on fixed inputs: shows the module itself changed, not only Refract's handles. */
function scriptOutput(ctx: { policy: ReturnType<typeof tinyGenerator> }): number[] {
  return torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.full([1, 3, 8, 8], 0.1);
      const tokens = torch.tensor([[2, 25, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0]], { dtype: 'int64' });
      return ctx.policy.script.forwardTensor(x, torch.tensor([0.5]), tokens).toArray();
    }),
  );
}

for (const name of Object.keys(SECTIONS) as AlgorithmName[]) {
  test(`${name} trains a TorchScript generator against its frozen deep copy`, async () => {
    const live = torch.memoryStats().liveTensors;
    const policy = tinyGenerator();
    const reference = policy.frozenCopy();
    const reward = name === 'reward_backprop' ? differentiableBrightness : brightnessReward;
    const ctx: AlgorithmContext & { policy: typeof policy } = { policy, reference, reward, prompts: shapesPromptSource(), seed: 11 };
    const section = ALGORITHMS[name].schema.parse(SECTIONS[name]);
    const algo = createAlgorithm(name, ctx, section as never);
    try {
      const w0 = weights(policy);
      const r0 = weights(reference);
      const s0 = scriptOutput(ctx);
      for (const it of [1, 2]) {
        const log = await algo.step(it);
        assert.equal(log.skippedUpdate, false, `${name} iteration ${it}: not skipped`);
        assert.ok(Object.values(log.metrics).some((v) => Number.isFinite(v)), `${name}: metrics reported`);
        assert.ok(Number.isFinite(log.metrics['loss'] ?? 0), `${name}: finite loss`);
        if (name === 'grpo') {
          const dev = log.diagnostics['ratio_max_dev_first_epoch']!;
          assert.ok(dev < 1e-5, `grpo iteration ${it}: max |ratio − 1| = ${dev}`);
        }
      }
      const w1 = weights(policy);
      assert.ok(w1.some((v, i) => v !== w0[i]), `${name}: the policy moved`);
      assert.deepEqual(weights(reference), r0, `${name}: the reference did not`);
      assert.ok(scriptOutput(ctx).some((v, i) => v !== s0[i]), `${name}: the TorchScript module computes with the new weights`);
    } finally {
      algo.dispose();
      policy.dispose();
      reference.dispose();
    }
    assert.equal(torch.memoryStats().liveTensors, live, `${name}: no native tensor leaked`);
  });
}
