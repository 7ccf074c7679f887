// Perturbations and probes: defects land where asked and only there; the probes score gold as sound and catch a
// reward that reads only the left half, a constant reward and a prompt-blind one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { renderScene } from '../../src/data/shapes/render.js';
import { evaluatePrompt } from '../../src/eval/shapes/gold.js';
import { makePrompt } from '../../src/data/shapes/grammar.js';
import { createImage } from '../../src/data/image.js';
import {
  blankRightHalf,
  buildProbeSet,
  LeftHalfOnlyReward,
  plantBlob,
  plantObject,
  PROBE_REGIONS,
  regionBox,
  runProbes,
  shiftImage,
  blindRate,
} from '../../src/reliability/audit/index.js';
import { shapesGoldReward, type RewardBatch, type RewardModel, type RewardResult } from '../../src/rewards/index.js';

const prompt = makePrompt('single_object', [{ shape: 'circle', count: 1 }]);
const scene = {
  width: 32,
  height: 32,
  objects: [{ shape: 'circle' as const, color: 'red' as const, cx: 8, cy: 8, size: 5 }],
};
const clean = renderScene(scene);
const strict = { mode: 'strict' as const };

/** Indices (pixel y·W + x) where two images differ. */
function changedPixels(a: typeof clean, b: typeof clean): number[] {
  const plane = a.width * a.height;
  const out = new Set<number>();
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) out.add(i % plane);
  return [...out];
}

test('defects land inside their region, on background only, and make the gold evaluator fail', () => {
  assert.ok(evaluatePrompt(prompt, clean, strict).ok);
  const rng = new Rng(5);
  for (const plant of [plantObject, plantBlob]) {
    for (const region of PROBE_REGIONS) {
      const img = plant(clean, region, rng);
      assert.ok(img !== null, `${plant.name} fits in ${region}`);
      const [x0, y0, x1, y1] = regionBox(region, 32, 32);
      const changed = changedPixels(clean, img);
      assert.ok(changed.length >= 8, `${plant.name} ${region}: ${changed.length} pixels changed`);
      for (const p of changed) {
        const [x, y] = [p % 32, Math.floor(p / 32)];
        assert.ok(x >= x0 && x < x1 && y >= y0 && y < y1, `${plant.name} ${region}: pixel (${x}, ${y}) outside`);
        assert.equal(clean.data[p], 0, 'defects paint only background');
      }
      assert.equal(evaluatePrompt(prompt, img, strict).ok, false, `${plant.name} ${region} is seen by strict gold`);
    }
  }
  const full = createImage(32, 32);
  full.data.fill(1);
  assert.equal(plantObject(full, 'left', rng), null, 'no clear spot → null');
});

test('shift moves pixels and fills with background; blanking keeps only the left half', () => {
  const s = shiftImage(clean, 1, -1);
  const plane = 32 * 32;
  for (let y = 0; y < 31; y++)
    for (let x = 1; x < 32; x++) assert.equal(s.data[y * 32 + x], clean.data[(y + 1) * 32 + x - 1]);
  for (let y = 0; y < 32; y++) assert.equal(s.data[y * 32], 0);
  assert.throws(() => shiftImage(clean, 0.5, 0), /dx and dy must be integers, got \(0.5, 0\)/);
  const right = renderScene({ ...scene, objects: [{ ...scene.objects[0]!, cx: 24 }] });
  assert.ok(blankRightHalf(right).data.every((v) => v === 0));
  assert.deepEqual(blankRightHalf(clean).data.subarray(0, plane), clean.data.subarray(0, plane));
});

/** Scores every image with f(image, prompt text). */
function fnReward(name: string, f: (data: Float32Array, text: string) => number): RewardModel {
  return {
    name,
    version: '1',
    components: ['score'],
    differentiable: false,
    async score(b: RewardBatch): Promise<RewardResult> {
      const total = Float32Array.from(b.rgb!, (img, i) => f(img.data, b.prompts[i]!.text));
      return { total, components: { score: total }, meta: { name, version: '1' } };
    },
  };
}

test('probes: gold is sound; a left-half reward, a constant and a prompt-blind reward are caught', async () => {
  const cases = buildProbeSet({ count: 8, seed: 3 });
  assert.equal(cases.length, 8);
  assert.deepEqual(new Set(cases.map((c) => c.defectKind)), new Set(['object', 'blob']));
  const gold = shapesGoldReward({ gold: strict, total: 'partial', dense: false });
  const g = await runProbes(gold, cases, 0.3);
  assert.equal(g.artifactBlindness, 0, 'every planted defect lowers the gold score');
  assert.equal(g.templateBias, 0);
  assert.equal(g.shiftSensitivity, 0);
  assert.equal(g.coverageGap, 0);

  const flawed = await runProbes(new LeftHalfOnlyReward(gold), cases, 0.3);
  assert.equal(flawed.blindnessByRegion.right, 1, 'a right-half defect is invisible to it');
  assert.ok(flawed.blindnessByRegion.left < 1, `left blindness ${flawed.blindnessByRegion.left}`);
  assert.ok(flawed.coverageGap >= 0.5, `coverage gap ${flawed.coverageGap}`);

  const constant = await runProbes(
    fnReward('constant', () => 1),
    cases,
    0,
  );
  assert.equal(constant.artifactBlindness, 1);
  assert.equal(constant.templateBias, 1);
  assert.equal(constant.coverageGap, 0);

  // Prompt-blind "fewer lit pixels is prettier": never fooled by an added defect, always by an emptier template.
  const dark = fnReward('darkness', (d) => -d.reduce((a, b) => a + b, 0));
  const darkProbes = await runProbes(dark, cases, 1);
  assert.equal(darkProbes.artifactBlindness, 0);
  assert.ok(darkProbes.templateBias > 0.2, `template bias ${darkProbes.templateBias}`);
  assert.equal(blindRate([1, 2], [1, 3]), 1, 'a tie counts as blind');
});
