// Checkpoints and exact resume for a TorchScript generator base (issue #15): `refract train` on a folder of kind
// "torchscript-generator" crashes after its checkpoint, resumes, and ends with the weights of the uninterrupted run
// bit for bit; its final/ folder holds generator.pt (the module with the trained weights) and model.safetensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { loadStateDictFile } from '../../src/torch/safetensors.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { loadCheckpoint } from '../../src/models/checkpoint.js';
import { generatorFolder } from '../models/torchscript/fixtures.js';
import { brightnessReward, tinyRunConfig } from './fixtures.js';

const OVER = { iterations: 3, eval: { every: 3, perCategory: 1, samplingSteps: 2, storeSamples: 0 }, checkpoint: { every: 2 } };

function finalWeights(out: string): Map<string, number[]> {
  const sd = loadStateDictFile(path.join(out, 'final', 'model.safetensors'));
  const values = new Map([...sd].map(([k, t]) => [k, t.toArray()]));
  torch.disposeAll([...sd.values()]);
  return values;
}

test('a TorchScript generator run resumed from its checkpoint ends with the uninterrupted run\'s weights', async () => {
  torch.setNumThreads(1);
  const folder = generatorFolder();
  try {
    const base = folder.dir;
    const straight = path.join(base, 'runs', 'straight');
    const a = await runTraining(parseRunConfig(tinyRunConfig(base, straight, OVER)), { reward: brightnessReward() });
    assert.equal(a.status, 'finished');
    const crashed = path.join(base, 'runs', 'crashed');
    const config = parseRunConfig(tinyRunConfig(base, crashed, OVER));
    const crash = new Error('simulated crash');
    await assert.rejects(runTraining(config, { reward: brightnessReward(), onStep: (it) => { if (it === 3) throw crash; } }), (err) => err === crash);
    const b = await runTraining(config, { reward: brightnessReward() }, { resume: true });
    assert.equal(b.status, 'finished');
    assert.deepEqual(finalWeights(crashed), finalWeights(straight));
    assert.ok(existsSync(path.join(straight, 'final', 'generator.pt')), 'final/generator.pt written');
    const trained = finalWeights(straight);
    const original = loadCheckpoint(base).model;
    const moved = torch.scope(() => [...original.stateDict()].some(([k, t]) => t.toArray().some((v, i) => v !== trained.get(k)![i])));
    original.dispose();
    assert.ok(moved, 'training changed the weights');
  } finally {
    rmSync(folder.dir, { recursive: true, force: true });
  }
});
