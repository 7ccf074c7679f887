import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { imagesToTensor } from '../../src/data/image-tensor.js';
import { makePrompt } from '../../src/data/shapes/grammar.js';
import { renderScene } from '../../src/data/shapes/render.js';
import { sampleScene } from '../../src/data/shapes/scene-sampler.js';
import { contradictPrompt } from '../../src/eval/shapes/negatives.js';
import { wrongPixelMap } from '../../src/eval/shapes/gold.js';
import * as torch from '../../src/torch/index.js';
import { compositeReward, qualityReward, shapesGoldReward } from '../../src/rewards/index.js';
import { validateResult } from '../../src/rewards/result.js';
import { assertResultShapes, rewardPrompt, shapesSamples } from './helpers.js';

torch.setNumThreads(1);

test('gold reward: 1 on clean renders of the prompt, 0 on renders of contradicting prompts, shapes as DESIGN §2', async () => {
  const rm = shapesGoldReward();
  const samples = shapesSamples(24, 5);
  const good = await rm.score({
    rgb: samples.map((s) => s.image),
    prompts: samples.map((s) => rewardPrompt(s.prompt)),
  });
  assertResultShapes(good, 24, ['gold', 'partial']);
  assert.deepEqual(good.dense!.pixel_alignment!.shape, [24, 32, 32]);
  assert.deepEqual([...good.total], Array(24).fill(1));
  assert.deepEqual([...good.components.partial!], Array(24).fill(1));

  const rng = new Rng(9);
  const contra = samples.map((s) => renderScene(sampleScene(contradictPrompt(s.prompt, rng), rng)));
  const bad = await rm.score({ rgb: contra, prompts: samples.map((s) => rewardPrompt(s.prompt)) });
  assert.deepEqual([...bad.total], Array(24).fill(0), 'every contradicting render fails');
  const meanPartial = bad.components.partial!.reduce((a, b) => a + b, 0) / 24;
  assert.ok(meanPartial > 0 && meanPartial < 1, `partial credit is graded, mean ${meanPartial}`);
});

test('partial credit counts requirements: the right shape in the wrong colour earns half', async () => {
  const prompt = makePrompt('colors', [{ shape: 'circle', color: 'red', count: 1 }]);
  const img = renderScene({
    width: 32,
    height: 32,
    objects: [{ shape: 'circle', color: 'blue', cx: 16, cy: 16, size: 6 }],
  });
  const r = await shapesGoldReward({ total: 'partial' }).score({ rgb: [img], prompts: [rewardPrompt(prompt)] });
  assert.equal(r.components.gold![0], 0);
  assert.equal(r.components.partial![0], 0.5);
  assert.equal(r.total[0], 0.5, "total: 'partial' makes the soft score the total");
});

test('the dense map marks exactly the pixels of an unprompted object (−1), matching wrongPixelMap', async () => {
  const prompt = makePrompt('single_object', [{ shape: 'circle', count: 1 }]);
  const img = renderScene({
    width: 32,
    height: 32,
    objects: [
      { shape: 'circle', color: 'green', cx: 9, cy: 16, size: 5 },
      { shape: 'square', color: 'red', cx: 24, cy: 16, size: 5 },
    ],
  });
  const r = await shapesGoldReward().score({ rgb: [img], prompts: [rewardPrompt(prompt)] });
  assert.equal(r.total[0], 1, "GenEval's rules ignore the extra square");
  const map = r.dense!.pixel_alignment!.data;
  assert.deepEqual(
    [...map],
    [...wrongPixelMap(prompt, img)].map((v) => -v + 0),
    'the negated wrongPixelMap (higher is better)',
  );
  let onSquare = 0;
  let elsewhere = 0;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const inSquare = x >= 19 && x < 29 && y >= 11 && y < 21;
      if (map[y * 32 + x] !== -1) continue;
      if (inSquare) onSquare++;
      else elsewhere++;
    }
  }
  assert.ok(onSquare >= 90, `the square's pixels are marked (${onSquare})`);
  assert.equal(elsewhere, 0, 'the prompted circle and the background are not');
  const strict = await shapesGoldReward({ gold: { mode: 'strict' } }).score({
    rgb: [img],
    prompts: [rewardPrompt(prompt)],
  });
  assert.equal(strict.total[0], 0, 'strict mode fails on the extra object');
  assert.equal(strict.components.partial![0], 0.5);
});

test('tensor images in [−1, 1] score like RGBImages; a prompt without structure is refused with a fix', async () => {
  const samples = shapesSamples(6, 11);
  const prompts = samples.map((s) => rewardPrompt(s.prompt));
  const x = imagesToTensor(samples.map((s) => s.image));
  const rm = shapesGoldReward();
  const a = await rm.score({ images: x, prompts });
  const b = await rm.score({ rgb: samples.map((s) => s.image), prompts });
  x.dispose();
  assert.deepEqual([...a.total], [...b.total]);
  assert.deepEqual([...a.components.partial!], [...b.components.partial!]);
  await assert.rejects(
    rm.score({ rgb: [samples[0]!.image], prompts: [{ text: 'a circle' }] }),
    /prompts\[0\]\.shapes must hold the parsed prompt/,
  );
  await assert.rejects(
    rm.score({ rgb: [samples[0]!.image], prompts: [] }),
    /batch\.rgb must hold one sample per prompt \(0\), got 1/,
  );
});

test('hindsight: per image the prompt it shows instead (null where none), only when asked; a composite passes it through', async () => {
  const circleAbove = renderScene({ width: 32, height: 32, objects: [{ shape: 'circle', color: 'red', cx: 16, cy: 7, size: 5 }, { shape: 'square', color: 'blue', cx: 16, cy: 24, size: 5 }] });
  const asked = [
    makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], 'left of'), // shows "above" instead
    makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], 'above'), // correct
  ];
  const batch = { rgb: [circleAbove, circleAbove], prompts: asked.map(rewardPrompt) };
  const r = await shapesGoldReward({ total: 'partial', gold: { mode: 'strict' }, hindsight: true }).score(batch);
  assert.equal(r.hindsight?.length, 2);
  assert.equal(r.hindsight![0]!.text, 'a circle above a square');
  assert.equal(r.hindsight![0]!.shapes?.relation, 'above');
  assert.equal(r.hindsight![1], null, 'a correct image is not relabelled');
  assert.equal((await shapesGoldReward().score(batch)).hindsight, undefined, 'off by default');
  const both = compositeReward({ rewards: [qualityReward(), shapesGoldReward({ hindsight: true })] });
  assert.deepEqual((await both.score(batch)).hindsight?.map((h) => h?.text ?? null), ['a circle above a square', null]);
  assert.throws(() => validateResult({ ...r, hindsight: [null] }, 2), /hindsight must have 2 entries/);
});
