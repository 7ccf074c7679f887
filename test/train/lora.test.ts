// LoRA post-training (src/train/lora.ts): the optimizer sees only the adapters, the base weights never move, the
// reference is the base bit for bit with no second copy, every algorithm runs with it, a crashed run resumes to the
// same adapters, and the final model is a plain checkpoint equal to the merged policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { loadStateDictFile } from '../../src/torch/safetensors.js';
import { parseRunConfig, type RunConfig } from '../../src/train/config.js';
import { buildContext, type TrainingContext } from '../../src/train/setup.js';
import { createAlgorithm } from '../../src/train/registry.js';
import { runTraining } from '../../src/train/trainer.js';
import { adaptPolicy, DEFAULT_LORA_TARGETS } from '../../src/train/lora.js';
import { loadCheckpoint, loadTextToImageCheckpoint } from '../../src/models/checkpoint.js';
import type { TextToImageModel } from '../../src/models/text-to-image.js';
import { trainSyntheticPreferenceReward } from '../../src/rewards/preference/synthetic-reward.js';
import { tinyBase, tinyRunConfig } from './fixtures.js';
import { brightnessReward } from '../algorithms/ddpo-fixtures.js';

torch.setNumThreads(1);


const LORA = { rank: 4, alpha: 4 };

/** One small section per algorithm (2 prompts × 2 samples, 2–3 sampler steps). */
const SECTIONS: Record<RunConfig['algorithm'], Record<string, unknown>> = {
  grpo: {},
  ddpo: { promptsPerIteration: 2, samplesPerPrompt: 2, minibatchSize: 4, sampler: { steps: 3 }, statTracker: { minCount: 0 } },
  rwr: { promptsPerIteration: 2, samplesPerPrompt: 2, minibatchSize: 4, sampler: { steps: 3 } },
  dpo: { mode: 'online', beta: 100, lr: 1e-3, innerEpochs: 1, minibatchSize: 2, online: { promptsPerIteration: 2, groupSize: 2, sampler: { steps: 2 } } },
  reward_backprop: { batchSize: 2, sampler: { steps: 3 }, regularizer: { kind: 'reference', weight: 1 } },
  nft: { promptsPerIteration: 2, groupSize: 2, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 8 },
  awm: { promptsPerIteration: 2, groupSize: 2, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 8 },
};

function flat(sd: Map<string, torch.Tensor>): Map<string, number[]> {
  const out = new Map([...sd].map(([k, t]) => [k, t.toArray()]));
  torch.disposeAll([...sd.values()]);
  return out;
}

/** Outputs of `model.forward` on fixed inputs (prompt-encoder and U-Net together). */
function outputs(model: Pick<TextToImageModel, 'forward'>): number[] {
  return torch.noGrad(() =>
    torch.scope(() => {
      const g = new torch.Generator(11);
      try {
        const x = torch.randn([2, 3, 32, 32], { generator: g });
        const t = torch.rand([2], { generator: g });
        return model.forward(x, t, torch.tensor([[3, 5, 7, 0], [4, 2, 0, 0]], { dtype: 'int64' })).toArray();
      } finally {
        g.dispose();
      }
    }),
  );
}

function assertExact(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length, what);
  const bad = a.findIndex((v, i) => v !== b[i]);
  assert.equal(bad, -1, `${what}: index ${bad} differs (${a[bad]} vs ${b[bad]})`);
}

test('lora config: targets default to the backbone default (U-Net: attention and res-block convs); errors name the field', () => {
  const c = parseRunConfig({ lora: { rank: 4, alpha: 8 } });
  assert.deepEqual(c.lora, { rank: 4, alpha: 8 }); // no targets: the backbone's default (loraTargets)
  assert.equal(parseRunConfig({}).lora, undefined);
  assert.throws(() => parseRunConfig({ lora: { rank: 0, alpha: 1 } }), /field "lora.rank"/);
  assert.throws(() => parseRunConfig({ lora: { rank: 2 } }), /field "lora.alpha"/);
  assert.throws(() => parseRunConfig({ lora: { rank: 2, alpha: 2, dropout: 0.1 } }), /lora: unknown field\(s\) "dropout"/);
});

test('lora setup: only adapters train, the reference is the base exactly and shares the weights', async () => {
  const { dir, base } = tinyBase('refract-lora-setup-');
  const baseModel = loadTextToImageCheckpoint(base);
  const before = torch.memoryStats().liveTensors;
  const ctx = await buildContext(parseRunConfig(tinyRunConfig(base, path.join(dir, 'out'), { lora: LORA })), brightnessReward);
  try {
    const lora = ctx.lora!;
    // One model's tensors plus the adapters: no second copy of the base.
    const baseTensors = baseModel.parameters().length + baseModel.buffers().length;
    assert.equal(torch.memoryStats().liveTensors - before, baseTensors + lora.parameters().length);
    assert.equal(ctx.policy.numParameters().trainable, lora.numParameters());
    assert.ok(lora.layerNames.every((n) => /\.(attn|res)\./.test(n)), 'the default targets');
    const other = loadTextToImageCheckpoint(base);
    assert.throws(
      () => adaptPolicy(other, { rank: 2, alpha: 2, targets: ['to_q'] }, 0),
      /refract train: field "lora" is invalid — .*target "to_q" must match/,
    );
    other.dispose();
    const reference = outputs(baseModel);
    assertExact(outputs(ctx.policy), reference, 'adapted policy at init');
    assertExact(outputs(ctx.reference), reference, 'reference');
    ctx.reference.dispose(); // frees nothing: the policy owns the weights
    assertExact(outputs(ctx.policy), reference, 'policy after reference.dispose()');
  } finally {
    ctx.policy.dispose();
    baseModel.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lora: every algorithm trains the adapters only, and its reference stays the base bit for bit', async () => {
  const { dir, base } = tinyBase('refract-lora-algos-');
  const baseModel = loadTextToImageCheckpoint(base);
  const baseWeights = flat(baseModel.stateDict());
  const baseOut = outputs(baseModel);
  const learned = (await trainSyntheticPreferenceReward({ pairs: 16, heldOutPairs: 16, train: { steps: 3, batchSize: 8 }, seed: 1 })).reward;
  try {
    for (const name of Object.keys(SECTIONS) as RunConfig['algorithm'][]) {
      const raw = tinyRunConfig(base, path.join(dir, name), { algorithm: name, lora: LORA, [name]: SECTIONS[name] });
      const config = parseRunConfig(raw);
      const ctx: TrainingContext = await buildContext(config, name === 'reward_backprop' ? learned : brightnessReward);
      const algorithm = createAlgorithm(name, ctx, config[name]);
      try {
        const log = await algorithm.step(1);
        assert.equal(log.skippedUpdate, false, name);
        const after = flat(ctx.policy.stateDict());
        for (const [k, v] of baseWeights) assertExact(after.get(k)!, v, `${name}: base weight ${k}`);
        const moved = [...after].some(([k, v]) => k.endsWith('.lora.B') && v.some((e) => e !== 0));
        assert.ok(moved, `${name}: the adapters trained`);
        assertExact(outputs(ctx.reference), baseOut, `${name}: reference`);
        assert.ok(outputs(ctx.policy).some((v, i) => v !== baseOut[i]), `${name}: the policy moved`);
      } finally {
        algorithm.dispose();
        ctx.policy.dispose();
      }
    }
  } finally {
    baseModel.dispose();
    await learned.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lora run: resume restores the adapters exactly; the final model is a plain checkpoint of the merged policy', async () => {
  const { dir, base } = tinyBase('refract-lora-run-');
  const over = { lora: LORA, iterations: 3, eval: { every: 0 }, checkpoint: { every: 2 } };
  try {
    const straight = path.join(dir, 'straight');
    const a = await runTraining(parseRunConfig(tinyRunConfig(base, straight, over)), { reward: brightnessReward });
    assert.equal(a.status, 'finished');

    const crashed = path.join(dir, 'crashed');
    const config = parseRunConfig(tinyRunConfig(base, crashed, over));
    const crash = new Error('simulated crash');
    const hooks = { reward: brightnessReward, onStep: (it: number) => { if (it === 3) throw crash; } };
    await assert.rejects(runTraining(config, hooks), (err) => err === crash);
    const saved = flat(loadStateDictFile(path.join(crashed, 'checkpoints', 'step-000002', 'model.safetensors')));
    assert.ok([...saved.keys()].some((k) => k.endsWith('.lora.A')), 'the run checkpoint holds the adapters');
    const wrongRank = parseRunConfig(tinyRunConfig(base, crashed, { ...over, lora: { rank: 2, alpha: 2 } }));
    await assert.rejects(runTraining(wrongRank, { reward: brightnessReward }, { resume: true }), /policy must match checkpoint .* \(saved with lora \{"rank":4/);
    const b = await runTraining(config, { reward: brightnessReward }, { resume: true });
    assert.equal(b.status, 'finished');
    const finalA = flat(loadStateDictFile(path.join(a.finalModel, 'model.safetensors')));
    const finalB = flat(loadStateDictFile(path.join(b.finalModel, 'model.safetensors')));
    assert.deepEqual(finalB, finalA, 'resumed run ends with the same weights');

    // The final model loads as a plain checkpoint (strict: the base's keys, no adapters) ...
    const final = loadCheckpoint(a.finalModel);
    assert.equal(final.kind, 'text-to-image');
    assert.deepEqual(final.extra['lora'], { ...LORA, targets: [...DEFAULT_LORA_TARGETS], merged: true });
    // ... and equals the policy of the last run checkpoint with its adapters merged.
    const policy = loadTextToImageCheckpoint(base);
    const lora = adaptPolicy(policy, config.lora!, config.seed);
    const last = loadStateDictFile(path.join(straight, 'checkpoints', 'step-000003', 'model.safetensors'));
    torch.noGrad(() => policy.loadStateDict(last));
    torch.disposeAll([...last.values()]);
    const adapted = outputs(policy);
    lora.merge();
    assert.deepEqual(flat(policy.stateDict()), flat(final.model.stateDict()));
    const baseModel = loadTextToImageCheckpoint(base);
    const baseOut = outputs(baseModel);
    const merged = outputs(final.model);
    assert.ok(merged.some((v, i) => v !== baseOut[i]), 'the final model is not the base');
    assert.ok(merged.every((v, i) => Math.abs(v - adapted[i]!) <= 1e-5 + 1e-5 * Math.abs(adapted[i]!)), 'merged ≈ adapted');
    for (const m of [policy, final.model, baseModel]) m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
