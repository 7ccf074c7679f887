// Grounding targets: each named object's noun token is found in the token ids, and gets its own scene object's box
// centre (position prompts) and colour (when the prompt names it); other prompts and dropped prompts get none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { sampleTrainingBatch } from '../../src/data/shapes/dataset.js';
import { groundingTargets, IGNORE_COLOR } from '../../src/data/shapes/grounding.js';
import { shapesTensorBatch } from '../../src/data/shapes/batch.js';
import { tokenize, MAX_TOKENS, VOCAB } from '../../src/data/shapes/vocab.js';
import { COLORS } from '../../src/data/shapes/types.js';

function tokensOf(texts: string[]): Int32Array {
  const ids = new Int32Array(texts.length * MAX_TOKENS);
  texts.forEach((t, i) => ids.set(tokenize(t, { strict: true }), i * MAX_TOKENS));
  return ids;
}

test('grounding targets: nouns, box centres in [−1, 1] and named colours, per prompt object in order', () => {
  const ex = sampleTrainingBatch(new Rng(3), 200, { heldOut: null });
  const ids = tokensOf(ex.map((e) => e.prompt.text));
  const g = groundingTargets(ex, ids, ex.map(() => false), 32, 32);
  let positions = 0;
  let colours = 0;
  ex.forEach((e, i) => {
    const two = e.prompt.objects.length === 2 && e.prompt.objects.every((o) => o.count === 1);
    for (let k = 0; k < 2; k++) {
      const noun = g.nounIndex[i * 2 + k]!;
      if (!two) {
        assert.equal(noun, 0, e.prompt.text);
        assert.equal(g.positionMask[i * 2 + k], 0);
        assert.equal(g.color[i * 2 + k], IGNORE_COLOR);
        continue;
      }
      const o = e.prompt.objects[k]!;
      assert.equal(VOCAB[ids[i * MAX_TOKENS + noun - 1]!], o.shape, `${e.prompt.text}: noun ${k}`); // context index = token + 1
      const s = e.scene.objects[k]!;
      assert.equal(s.shape, o.shape);
      const isPosition = e.prompt.category === 'position';
      assert.equal(g.positionMask[i * 2 + k], isPosition ? 1 : 0);
      if (isPosition) {
        positions++;
        assert.ok(Math.abs(g.position[i * 4 + k * 2]! - (s.cx / 16 - 1)) < 1e-6);
        assert.ok(Math.abs(g.position[i * 4 + k * 2 + 1]! - (s.cy / 16 - 1)) < 1e-6);
      }
      if (o.color !== undefined) {
        colours++;
        assert.equal(COLORS[g.color[i * 2 + k]!], o.color);
      } else assert.equal(g.color[i * 2 + k], IGNORE_COLOR);
    }
    if (e.prompt.category === 'position' && e.prompt.relation === 'left of') {
      assert.ok(g.position[i * 4]! < g.position[i * 4 + 2]!, `${e.prompt.text}: subject must lie left`);
    }
  });
  assert.ok(positions > 20 && colours > 20, `too few targets: ${positions} positions, ${colours} colours`);
});

test('grounding targets: dropped prompts get none; the batch with grounding draws the same examples as without', () => {
  const ex = sampleTrainingBatch(new Rng(5), 30, { heldOut: null, categoryWeights: { position: 1 } });
  const g = groundingTargets(ex, tokensOf(ex.map((e) => e.prompt.text)), ex.map(() => true), 32, 32);
  assert.ok(g.nounIndex.every((v) => v === 0) && g.positionMask.every((v) => v === 0));
  const a = shapesTensorBatch(new Rng(9), 8, { condDropout: 0.5 });
  const b = shapesTensorBatch(new Rng(9), 8, { condDropout: 0.5, grounding: true });
  assert.deepEqual(b.prompts, a.prompts);
  assert.equal(a.grounding, undefined);
  assert.ok(b.grounding !== undefined);
  b.prompts.forEach((p, i) => {
    if (p === '') assert.equal(b.grounding!.nounIndex[i * 2], 0);
  });
  for (const t of [a.images, a.tokens, b.images, b.tokens]) t.dispose();
});
