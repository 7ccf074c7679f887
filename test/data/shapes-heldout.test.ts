import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { sampleTrainingBatch, sampleTrainingExample } from '../../src/data/shapes/dataset.js';
import { makePrompt } from '../../src/data/shapes/grammar.js';
import { DEFAULT_HELD_OUT, isHeldOutColorShape, isHeldOutPrompt } from '../../src/data/shapes/held-out.js';
import { CATEGORIES } from '../../src/data/shapes/types.js';
import { evaluatePrompt } from '../../src/eval/shapes/gold.js';

test('held-out combinations never appear in training prompts or images', () => {
  const batch = sampleTrainingBatch(new Rng(21), 3000);
  const cats = new Set<string>();
  for (const ex of batch) {
    cats.add(ex.prompt.category);
    assert.ok(!isHeldOutPrompt(DEFAULT_HELD_OUT, ex.prompt), ex.prompt.text);
    for (const o of ex.scene.objects) {
      assert.ok(!isHeldOutColorShape(DEFAULT_HELD_OUT, o.shape, o.color), `${o.color} ${o.shape} in "${ex.prompt.text}"`);
    }
    assert.notEqual(ex.prompt.text, 'three triangles');
    assert.notEqual(ex.prompt.text, 'a square above a triangle');
    assert.notEqual(ex.prompt.text, 'a triangle below a square');
  }
  assert.equal(cats.size, CATEGORIES.length);
});

test('isHeldOutPrompt covers both phrasings of a relation, colour pairs and counts', () => {
  const sq = { shape: 'square', count: 1 } as const;
  const tri = { shape: 'triangle', count: 1 } as const;
  assert.ok(isHeldOutPrompt(DEFAULT_HELD_OUT, makePrompt('position', [sq, tri], 'above')));
  assert.ok(isHeldOutPrompt(DEFAULT_HELD_OUT, makePrompt('position', [tri, sq], 'below')));
  assert.ok(!isHeldOutPrompt(DEFAULT_HELD_OUT, makePrompt('position', [tri, sq], 'above')));
  assert.ok(isHeldOutPrompt(DEFAULT_HELD_OUT, makePrompt('colors', [{ shape: 'triangle', color: 'purple', count: 1 }])));
  assert.ok(isHeldOutPrompt(DEFAULT_HELD_OUT, makePrompt('counting', [{ shape: 'triangle', count: 3 }])));
  assert.ok(!isHeldOutPrompt(DEFAULT_HELD_OUT, makePrompt('counting', [{ shape: 'triangle', count: 2 }])));
});

test('heldOut: null shows held-out combinations; samples are deterministic and correct', () => {
  const batch = sampleTrainingBatch(new Rng(22), 3000, { heldOut: null });
  assert.ok(batch.some((ex) => ex.scene.objects.some((o) => isHeldOutColorShape(DEFAULT_HELD_OUT, o.shape, o.color))));
  assert.ok(batch.some((ex) => isHeldOutPrompt(DEFAULT_HELD_OUT, ex.prompt)));
  const a = sampleTrainingExample(new Rng(1), { noiseStd: 0.1 });
  const b = sampleTrainingExample(new Rng(1), { noiseStd: 0.1 });
  assert.deepEqual(a, b);
  for (const ex of batch.slice(0, 200)) assert.ok(evaluatePrompt(ex.prompt, ex.image, { mode: 'strict' }).ok, ex.prompt.text);
});

test('categoryWeights restricts the mix and rejects all-zero weights', () => {
  const batch = sampleTrainingBatch(new Rng(23), 200, { categoryWeights: { counting: 1, position: 3 } });
  const n = batch.filter((ex) => ex.prompt.category === 'position').length;
  assert.ok(batch.every((ex) => ex.prompt.category === 'counting' || ex.prompt.category === 'position'));
  assert.ok(n > 120 && n < 180, `position share ${n}/200`);
  assert.throws(() => sampleTrainingExample(new Rng(0), { categoryWeights: {} }), /categoryWeights must give some category a positive weight/);
});
