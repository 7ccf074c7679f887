// DiffusionNFT and AWM through the shared training loop (src/train/): registered by name; a run completes with
// finite losses and moves the weights; a run that crashes after its checkpoint and is resumed ends with the
// uninterrupted run's weights bit for bit — the lagged copy (NFT's old policy, AWM's EMA anchor), the optimizer
// moments and the step count travel through the run checkpoint — with full fine-tuning and with LoRA; and
// `refract compare` runs both arms on a tiny budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { loadStateDictFile } from '../../src/torch/safetensors.js';
import { loadRunConfig, parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { armConfig, loadCompareConfig, parseCompareConfig, runCompare } from '../../src/train/compare.js';
import { ALGORITHMS } from '../../src/train/registry.js';
import type { AlgorithmStepLog } from '../../src/algorithms/algorithm.js';
import { tinyBase, tinyRunConfig } from '../train/fixtures.js';
import { brightnessReward } from './ddpo-fixtures.js';

torch.setNumThreads(1);

/** 2 prompts × 2 samples, 3 sampler steps, 2 points per sample; a fast-lagging copy so resume must restore it. */
const SECTIONS = {
  nft: { promptsPerIteration: 2, groupSize: 2, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 4, lr: 1e-3, oldPolicy: { rate: 0.25, max: 0.5 } },
  awm: { promptsPerIteration: 2, groupSize: 2, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 4, lr: 1e-3, innerEpochs: 2, ema: { rate: 0.25, max: 0.5 } },
} as const;

function finalWeights(out: string): Map<string, number[]> {
  const sd = loadStateDictFile(path.join(out, 'final', 'model.safetensors'));
  const values = new Map([...sd].map(([k, t]) => [k, t.toArray()]));
  torch.disposeAll([...sd.values()]);
  return values;
}

function moved(a: Map<string, number[]>, b: Map<string, number[]>): boolean {
  return [...a].some(([k, v]) => v.some((x, i) => x !== b.get(k)![i]));
}

test('nft and awm are registered with sections that default', () => {
  const c = parseRunConfig({ algorithm: 'nft' });
  assert.equal(c.nft.groupSize, 16);
  assert.equal(c.nft.sampler.steps, 10);
  assert.equal(c.awm.weighting, 'uniform');
  assert.match(ALGORITHMS.nft.description, /2509\.16117/);
  assert.match(ALGORITHMS.awm.description, /2509\.25050/);
});

test('configs/nft-shapes.yaml and configs/awm-shapes.yaml load; compare-shapes.yaml runs both arms on the gold reward', () => {
  const nft = loadRunConfig('configs/nft-shapes.yaml');
  assert.deepEqual([nft.algorithm, nft.nft.sampler.guidance, nft.nft.groupSize, nft.nft.beta], ['nft', 1, 16, 1]);
  const awm = loadRunConfig('configs/awm-shapes.yaml');
  assert.deepEqual([awm.algorithm, awm.awm.sampler.kind, awm.awm.timesteps.gridStart, awm.awm.emaKlCoefficient], ['awm', 'ode', 1, 1]);
  const c = loadCompareConfig('configs/compare-shapes.yaml');
  for (const arm of ['nft', 'awm'] as const) {
    assert.ok(c.algorithms.includes(arm), `${arm} is an arm`);
    const run = armConfig(c, arm);
    assert.equal(run.algorithm, arm);
    assert.equal(run.rewards[0]!.kind, 'shapes_gold');
  }
});

for (const algorithm of ['nft', 'awm'] as const) {
  for (const lora of [false, true]) {
    test(`${algorithm}${lora ? ' with LoRA' : ''} in the training loop: finite losses, moved weights, bit-exact resume`, async () => {
      const { dir, base } = tinyBase(`refract-${algorithm}-`);
      try {
        const over = {
          algorithm,
          iterations: 3,
          eval: { every: 0 },
          checkpoint: { every: 2 },
          [algorithm]: SECTIONS[algorithm],
          ...(lora ? { lora: { rank: 2, alpha: 2 } } : {}),
        };
        const logs: AlgorithmStepLog[] = [];
        const straight = path.join(dir, 'straight');
        const a = await runTraining(parseRunConfig(tinyRunConfig(base, straight, over)), { reward: brightnessReward, onStep: (_, log) => logs.push(log) });
        assert.equal(a.status, 'finished');
        assert.equal(a.samplesUsed, 12);
        for (const log of logs) {
          assert.equal(log.skippedUpdate, false);
          for (const k of ['loss', 'gradNorm', 'kl']) assert.ok(Number.isFinite(log.metrics[k]!), `${k} = ${log.metrics[k]}`);
          assert.ok(log.klToReference >= 0);
        }
        const straightWeights = finalWeights(straight); // the final model (LoRA: merged)
        const crashed = path.join(dir, 'crashed');
        const config = parseRunConfig(tinyRunConfig(base, crashed, over));
        const crash = new Error('simulated crash');
        const hooks = { reward: brightnessReward, onStep: (it: number) => { if (it === 3) throw crash; } };
        await assert.rejects(runTraining(config, hooks), (err) => err === crash);
        const b = await runTraining(config, { reward: brightnessReward }, { resume: true });
        assert.equal(b.status, 'finished');
        assert.deepEqual(finalWeights(crashed), straightWeights, 'the resumed run ends with the same weights');
        const sd = loadStateDictFile(path.join(base, 'model.safetensors'));
        const start = new Map([...sd].map(([k, t]) => [k, t.toArray()]));
        torch.disposeAll([...sd.values()]);
        assert.ok(moved(straightWeights, start), 'the weights changed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('refract compare accepts nft and awm arms', async () => {
  const { dir, base } = tinyBase('refract-compare-nft-');
  try {
    const c = parseCompareConfig({
      seed: 7,
      base,
      out: path.join(dir, 'compare'),
      threads: 1,
      algorithms: ['nft', 'awm'],
      budget: { samples: 4 },
      rewards: [{ kind: 'shapes_gold', options: { total: 'partial', dense: false } }],
      eval: { every: 2, perCategory: 1, samplingSteps: 2, storeSamples: 0 },
      diversity: { prompts: 2, samplesPerPrompt: 2 },
      nft: SECTIONS.nft,
      awm: SECTIONS.awm,
    });
    const rows = await runCompare(c);
    assert.deepEqual(rows.map((r) => [r.algorithm, r.status]), [['nft', 'finished'], ['awm', 'finished']]);
    for (const r of rows) {
      assert.equal(r.samples, 4);
      assert.ok(r.gold !== null && r.gold >= 0 && r.gold <= 1, `${r.algorithm} gold ${r.gold}`);
      assert.ok(r.kl !== null && r.kl >= 0, `${r.algorithm} reports a KL (${r.kl})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nft evaluatedEma and lrDecay in the training loop: the final model is the evaluated copy (d = 0: the last iterate), bit-exact resume', async () => {
  const { dir, base } = tinyBase('refract-nft-ema-');
  try {
    const over = (ema: number | null): Record<string, unknown> => ({
      algorithm: 'nft',
      iterations: 3,
      eval: { every: 0 },
      checkpoint: { every: 2 },
      nft: { ...SECTIONS.nft, lrDecay: { steps: 3 }, ...(ema === null ? {} : { evaluatedEma: { decay: ema } }) },
    });
    const final = async (name: string, ema: number | null): Promise<Map<string, number[]>> => {
      const out = path.join(dir, name);
      const r = await runTraining(parseRunConfig(tinyRunConfig(base, out, over(ema))), { reward: brightnessReward });
      assert.equal(r.status, 'finished');
      return finalWeights(out);
    };
    const plain = await final('plain', null);
    assert.deepEqual(await final('d0', 0), plain, 'd = 0: the evaluated copy is the last iterate');
    const slow = await final('slow', 0.5);
    assert.ok(moved(slow, plain), 'd = 0.5: the final model is the lagged copy, not the last iterate');
    const crashed = path.join(dir, 'crashed');
    const config = parseRunConfig(tinyRunConfig(base, crashed, over(0.5)));
    const crash = new Error('simulated crash');
    await assert.rejects(runTraining(config, { reward: brightnessReward, onStep: (it: number) => { if (it === 3) throw crash; } }), (err) => err === crash);
    assert.equal((await runTraining(config, { reward: brightnessReward }, { resume: true })).status, 'finished');
    assert.deepEqual(finalWeights(crashed), slow, 'the resumed run ends with the same evaluated copy');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
