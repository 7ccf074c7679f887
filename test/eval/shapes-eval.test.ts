import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImage } from '../../src/data/image.js';
import { Rng } from '../../src/data/rng.js';
import { renderScene } from '../../src/data/shapes/render.js';
import { sampleScene } from '../../src/data/shapes/scene-sampler.js';
import { CATEGORIES } from '../../src/data/shapes/types.js';
import { SHAPES_EVAL_SIZE, scoreShapesEval, shapesEvalPrompts } from '../../src/eval/shapes/shapes-eval.js';

test('the full set has 120 prompts per category, is seeded and balanced', () => {
  const set = shapesEvalPrompts();
  assert.equal(set.prompts.length, SHAPES_EVAL_SIZE);
  assert.equal(SHAPES_EVAL_SIZE, 720);
  for (const c of CATEGORIES) assert.equal(set.prompts.filter((p) => p.category === c).length, 120);
  assert.deepEqual(shapesEvalPrompts(), set);
  assert.notDeepEqual(shapesEvalPrompts({ seed: 1 }).prompts.map((p) => p.text), set.prompts.map((p) => p.text));
  const singles = set.prompts.filter((p) => p.category === 'single_object').map((p) => p.text);
  for (const t of new Set(singles)) assert.equal(singles.filter((s) => s === t).length, 30);
  assert.equal(new Set(set.prompts.filter((p) => p.category === 'color_attr').map((p) => p.text)).size, 120);
  assert.ok(set.prompts.some((p) => p.heldOut) && set.prompts.some((p) => !p.heldOut));
});

test('a subset is the stratified prefix of the full set', () => {
  const full = shapesEvalPrompts();
  const sub = shapesEvalPrompts({ perCategory: 10 });
  assert.equal(sub.prompts.length, 60);
  for (const p of sub.prompts) assert.deepEqual(p, full.prompts[p.index]);
  assert.equal(new Set(sub.prompts.filter((p) => p.category === 'counting').map((p) => p.text)).size, 10);
  assert.throws(() => shapesEvalPrompts({ perCategory: 121 }), /perCategory must be an integer in 1..120, got 121/);
});

test('scoring: correct renders score 1, blanks 0, overall is the mean of category accuracies', () => {
  const set = shapesEvalPrompts({ perCategory: 8 });
  const rng = new Rng(0);
  const good = set.prompts.map((p) => [renderScene(sampleScene(p, rng)), renderScene(sampleScene(p, rng))]);
  const s = scoreShapesEval(set, good);
  assert.equal(s.overall, 1);
  assert.equal(s.n, 96);
  assert.equal(s.seed, set.seed);
  // Blank images for colour-bearing categories only: two of six categories at 0.
  const mixed = set.prompts.map((p, i) => (p.category === 'colors' || p.category === 'color_attr' ? [createImage(32, 32)] : good[i]));
  const m = scoreShapesEval(set, mixed);
  assert.equal(m.categories.colors, 0);
  assert.equal(m.categories.position, 1);
  assert.ok(Math.abs(m.overall - 4 / 6) < 1e-12);
  assert.equal(m.heldOut.n + m.inDistribution.n, m.n);
  assert.throws(() => scoreShapesEval(set, good.slice(1)), /images must hold one list per prompt \(48\), got 47/);
});
