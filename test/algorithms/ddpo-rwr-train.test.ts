// DDPO and RWR through the shared training loop (src/train/): registered by name, and a run that crashes after its
// checkpoint and is resumed ends with the same weights as the uninterrupted run — the algorithm state (optimizer
// moments, DDPO's per-prompt stat tracker) travels through the run checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { loadStateDictFile } from '../../src/torch/safetensors.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { tinyBase, tinyRunConfig } from '../train/fixtures.js';

const SECTIONS = {
  ddpo: { promptsPerIteration: 2, samplesPerPrompt: 2, sampler: { steps: 3 }, minibatchSize: 2, gradientAccumulation: 2, lr: 1e-3, statTracker: { bufferSize: 8, minCount: 2 } },
  rwr: { promptsPerIteration: 2, samplesPerPrompt: 2, sampler: { steps: 3 }, minibatchSize: 4, innerEpochs: 1, lr: 1e-3, advantage: { kind: 'tracker', bufferSize: 8, minCount: 2 } },
} as const;

function finalWeights(out: string): Map<string, number[]> {
  const sd = loadStateDictFile(path.join(out, 'final', 'model.safetensors'));
  const values = new Map([...sd].map(([k, t]) => [k, t.toArray()]));
  torch.disposeAll([...sd.values()]);
  return values;
}

for (const algorithm of ['ddpo', 'rwr'] as const) {
  test(`${algorithm} in the training loop: a resumed run ends with the uninterrupted run's weights`, async () => {
    torch.setNumThreads(1);
    const { dir, base } = tinyBase(`refract-${algorithm}-`);
    try {
      const over = {
        algorithm,
        iterations: 3,
        eval: { every: 0 },
        checkpoint: { every: 2 },
        rewards: [{ kind: 'shapes_gold', options: { total: 'partial', dense: false } }],
        [algorithm]: SECTIONS[algorithm],
      };
      const straight = path.join(dir, 'straight');
      const a = await runTraining(parseRunConfig(tinyRunConfig(base, straight, over)));
      assert.equal(a.status, 'finished');
      assert.equal(a.samplesUsed, 12);
      const crashed = path.join(dir, 'crashed');
      const config = parseRunConfig(tinyRunConfig(base, crashed, over));
      const crash = new Error('simulated crash');
      await assert.rejects(runTraining(config, { onStep: (it) => { if (it === 3) throw crash; } }), (err) => err === crash);
      const b = await runTraining(config, {}, { resume: true });
      assert.equal(b.status, 'finished');
      assert.deepEqual(finalWeights(crashed), finalWeights(straight));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
