// Evaluation hooks of the generated-sample benchmarks on tiny untrained models: they run end to end (sampling,
// classifier or physics judge) and report numbers in [0, 1] over the requested sample counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { evaluateClassConditional } from '../../src/eval/classifier/class-conditional.js';
import { evaluateMovingShapesModel } from '../../src/eval/physics/model-eval.js';
import { TESTBEDS } from '../../src/pretrain/testbeds/index.js';
import { mergeDeep } from '../../src/pretrain/loop.js';
import { TextToImageModel } from '../../src/models/text-to-image.js';
import { TextToVideoModel } from '../../src/models/text-to-video.js';
import { generateClips } from '../../src/pipeline/text-to-video.js';
import { tinyModel } from '../pretrain/fixtures.js';

torch.setNumThreads(1);

const inUnit = (x: number): boolean => x >= 0 && x <= 1;
const FAST = { steps: 2, guidance: 2, sde: 'ode' as const };

for (const [name, dataset] of [
  ['fashion_mnist', 'fashion-mnist'],
  ['mnist', 'mnist'],
] as const) {
  test(`evaluateClassConditional (${dataset}): accuracy and per-class numbers in [0, 1]`, () => {
    torch.manualSeed(0);
    const tb = TESTBEDS[name];
    const model = tb.createModel(mergeDeep(tb.defaultModelConfig, tinyModel(name)), 'test') as TextToImageModel;
    const before = torch.memoryStats().liveTensors;
    const r = evaluateClassConditional(model, { dataset, perClass: 2, sampling: FAST });
    assert.equal(torch.memoryStats().liveTensors, before, 'no tensors leak');
    assert.equal(r.n, 20);
    assert.ok(inUnit(r.accuracy) && inUnit(r.meanProb), `accuracy ${r.accuracy}, meanProb ${r.meanProb}`);
    assert.equal(Object.keys(r.perClass).length, 10);
    assert.ok(Object.values(r.perClass).every(inUnit));
    assert.deepEqual(
      r.images.map((c) => c.length),
      Array(10).fill(2),
    );
    assert.equal(r.images[0]![0]!.width, 32);
    model.dispose();
  });
}

test('evaluateMovingShapesModel: pass rate and score in [0, 1]; clips have the model frame count', () => {
  torch.manualSeed(0);
  const tb = TESTBEDS.moving_shapes;
  const model = tb.createModel(
    mergeDeep(tb.defaultModelConfig, tinyModel('moving_shapes')),
    'test',
  ) as TextToVideoModel;
  const r = evaluateMovingShapesModel(model, { clips: 3, sampling: FAST });
  assert.equal(r.n, 3);
  assert.ok(inUnit(r.passRate) && inUnit(r.score), `passRate ${r.passRate}, score ${r.score}`);
  assert.deepEqual(
    r.clips.map((c) => c.length),
    [8, 8, 8],
  );
  const again = generateClips(model, r.prompts.slice(0, 1), { ...FAST, vocabulary: tb.vocabulary, seeds: [0] });
  assert.deepEqual(again[0]![3]!.data, r.clips[0]![3]!.data, 'clip 0 reproduces from its seed');
  model.dispose();
});
