import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { enumeratePrompts, samplePrompt } from '../../src/data/shapes/grammar.js';
import { renderScene } from '../../src/data/shapes/render.js';
import { relationHoldsWithMargin, sampleScene } from '../../src/data/shapes/scene-sampler.js';
import { CATEGORIES, objectBox, SIZE_MAX, SIZE_MIN, type Scene, type ShapesPrompt } from '../../src/data/shapes/types.js';
import { evaluatePrompt } from '../../src/eval/shapes/gold.js';

/** The scene holds exactly the prompt's objects, with named colours, inside the canvas and 2 px apart. */
function checkByConstruction(p: ShapesPrompt, scene: Scene): void {
  const want = p.objects.reduce((n, o) => n + o.count, 0);
  assert.equal(scene.objects.length, want, p.text);
  for (const o of p.objects) {
    const drawn = scene.objects.filter((s) => s.shape === o.shape);
    assert.equal(drawn.length, o.count, p.text);
    if (o.color !== undefined) assert.ok(drawn.every((s) => s.color === o.color), p.text);
  }
  for (const [i, a] of scene.objects.entries()) {
    const [x0, y0, x1, y1] = objectBox(a);
    assert.ok(x0 >= 1 && y0 >= 1 && x1 <= 31 && y1 <= 31, `${p.text}: box out of canvas`);
    assert.ok(a.size >= SIZE_MIN && a.size <= SIZE_MAX);
    for (const b of scene.objects.slice(i + 1)) {
      const [u0, v0, u1, v1] = objectBox(b);
      assert.ok(x1 + 2 <= u0 || u1 + 2 <= x0 || y1 + 2 <= v0 || v1 + 2 <= y0, `${p.text}: objects overlap`);
    }
  }
  if (p.relation !== undefined) {
    assert.ok(relationHoldsWithMargin(scene.objects[0], scene.objects[1], p.relation, 2), p.text);
  }
}

test('every prompt gets a scene that satisfies it by construction and by the strict gold evaluator', () => {
  const rng = new Rng(11);
  for (const c of CATEGORIES) {
    for (const p of enumeratePrompts(c)) {
      const scene = sampleScene(p, rng);
      checkByConstruction(p, scene);
      const r = evaluatePrompt(p, renderScene(scene), { mode: 'strict' });
      assert.ok(r.ok, `${p.text}: ${r.reasons.join('; ')}`);
    }
  }
});

test('the sampler is deterministic and leaves unnamed attributes random', () => {
  const p = samplePrompt(new Rng(0), 'single_object');
  assert.deepEqual(sampleScene(p, new Rng(3)), sampleScene(p, new Rng(3)));
  const rng = new Rng(4);
  const colours = new Set<string>();
  const xs = new Set<number>();
  for (let i = 0; i < 100; i++) {
    const o = sampleScene(p, rng).objects[0];
    colours.add(o.color);
    xs.add(Math.round(o.cx));
  }
  assert.equal(colours.size, 7);
  assert.ok(xs.size > 10);
});

test('four-object counting scenes always fit', () => {
  const rng = new Rng(5);
  const four = enumeratePrompts('counting').filter((p) => p.objects[0].count === 4);
  for (let i = 0; i < 200; i++) checkByConstruction(four[i % four.length], sampleScene(four[i % four.length], rng));
});

test('an impossible canvas reports how to fix it', () => {
  const p = enumeratePrompts('counting').find((q) => q.objects[0].count === 4)!;
  assert.throws(() => sampleScene(p, new Rng(0), { width: 12, height: 12 }), /must fit in 12×12.*use a larger canvas/);
});
