import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { insideShape, renderScene } from '../../src/data/shapes/render.js';
import { sampleScene } from '../../src/data/shapes/scene-sampler.js';
import { samplePrompt } from '../../src/data/shapes/grammar.js';
import { CROSS_ARM, PALETTE, SHAPES, type Scene, type Shape } from '../../src/data/shapes/types.js';

const AREA: Record<Shape, (s: number) => number> = {
  circle: (s) => Math.PI * s * s,
  square: (s) => 4 * s * s,
  triangle: (s) => 2 * s * s,
  cross: (s) => 4 * s * s * (2 * CROSS_ARM - CROSS_ARM ** 2),
};

function one(shape: Shape, size: number, cx = 15.3, cy = 16.7): Scene {
  return { width: 32, height: 32, objects: [{ shape, color: 'cyan', cx, cy, size }] };
}

test('rendering is deterministic: same scene, same bytes; same seed, same scene', () => {
  const p = samplePrompt(new Rng(0), 'counting');
  const a = renderScene(sampleScene(p, new Rng(7)));
  const b = renderScene(sampleScene(p, new Rng(7)));
  assert.deepEqual(a.data, b.data);
  assert.equal(a.data.length, 3 * 32 * 32);
});

test('anti-aliased coverage integrates to the analytic area of each shape', () => {
  for (const shape of SHAPES) {
    for (const size of [4, 5.5, 7]) {
      const img = renderScene(one(shape, size));
      let mass = 0;
      for (let p = 0; p < 1024; p++) mass += img.data[1024 + p]; // green channel of cyan = coverage
      const expected = AREA[shape](size);
      // 4×4 sub-sampling: about one pixel of area error at size 4.
      assert.ok(Math.abs(mass - expected) / expected < 0.05, `${shape} size ${size}: ${mass} vs ${expected}`);
    }
  }
});

test('background stays black and the interior takes the exact palette colour', () => {
  const img = renderScene({ width: 32, height: 32, objects: [{ shape: 'square', color: 'yellow', cx: 10, cy: 20, size: 5 }] });
  const at = (c: number, x: number, y: number): number => img.data[c * 1024 + y * 32 + x];
  assert.deepEqual([0, 1, 2].map((c) => at(c, 10, 20)), [...PALETTE.yellow]);
  assert.deepEqual([0, 1, 2].map((c) => at(c, 25, 5)), [0, 0, 0]);
  assert.ok(img.data.every((v) => v >= 0 && v <= 1));
});

test('insideShape: triangle points up, cross has empty corners', () => {
  assert.ok(insideShape('triangle', 0, -4.9, 5));
  assert.ok(!insideShape('triangle', 2, -4, 5));
  assert.ok(insideShape('triangle', 4.9, 4.9, 5));
  assert.ok(!insideShape('cross', 4, 4, 5));
  assert.ok(insideShape('cross', 4.9, 0, 5));
});

test('render rejects a bad supersample factor', () => {
  assert.throws(() => renderScene(one('circle', 5), { supersample: 0 }), /supersample must be a positive integer, got 0/);
});
