// GRPO end to end on a tiny randomised model: the loop runs, the first-epoch importance ratio is 1 within 1e-5,
// and the run is recorded in SQLite. (Whether GRPO *improves* the base is measured by the committed config, not here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { TextToImageModel, SHAPES_TEXT_TO_IMAGE_CONFIG, type TextToImageConfig } from '../../src/models/text-to-image.js';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import { mergeDeep } from '../../src/pretrain/loop.js';
import { parseGrpoConfig } from '../../src/algorithms/grpo/config.js';
import { trainGrpo, type GrpoIterationLog } from '../../src/algorithms/grpo/trainer.js';
import { RunStore } from '../../src/store/run-store.js';

test('GRPO: two iterations run, ratios start at 1, the run lands in SQLite', async () => {
  torch.setNumThreads(1);
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-grpo-'));
  try {
    torch.manualSeed(3);
    const cfg = mergeDeep(SHAPES_TEXT_TO_IMAGE_CONFIG, { unet: { baseChannels: 16, groups: 8 } }) as TextToImageConfig;
    const m = new TextToImageModel(cfg);
    torch.noGrad(() => {
      for (const p of m.parameters()) torch.scope(() => p.add_(torch.randnLike(p).mul(0.05)));
    });
    saveCheckpoint(path.join(dir, 'base'), m);
    m.dispose();
    const config = parseGrpoConfig({
      checkpoint: path.join(dir, 'base'),
      iterations: 2,
      promptsPerIteration: 2,
      groupSize: 3,
      minibatchSize: 4,
      innerEpochs: 2,
      sampler: { steps: 4 },
      eval: { every: 0 },
      out: path.join(dir, 'run'),
    });
    const logs: GrpoIterationLog[] = [];
    await trainGrpo(config, { onIteration: (l) => logs.push(l) });
    assert.equal(logs.length, 2);
    for (const l of logs) {
      assert.ok(l.update.firstEpochRatioMaxDev < 1e-5, `iteration ${l.iteration}: max |ratio − 1| = ${l.update.firstEpochRatioMaxDev}`);
      assert.equal(l.update.firstEpochRatioMean.length, 3); // steps 0..2 are stochastic (window [0, steps − 1))
      assert.ok(Number.isFinite(l.update.loss) && Number.isFinite(l.update.gradNorm)); // a random model can score 0 everywhere: A = 0
      assert.ok(l.reward >= 0 && l.reward <= 1);
    }
    const store = RunStore.open(path.join(dir, 'run', 'runs.sqlite'));
    assert.deepEqual(
      store.metrics(1).map((r) => r.step),
      [1, 2],
    );
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
