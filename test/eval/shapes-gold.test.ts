import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImage } from '../../src/data/image.js';
import { makePrompt } from '../../src/data/shapes/grammar.js';
import { renderScene } from '../../src/data/shapes/render.js';
import type { SceneObject } from '../../src/data/shapes/types.js';
import { detectObjects } from '../../src/eval/shapes/detect.js';
import { evaluatePrompt, wrongPixelMap } from '../../src/eval/shapes/gold.js';
import { relativePosition } from '../../src/eval/shapes/relation.js';

const scene = (...objects: SceneObject[]) => renderScene({ width: 32, height: 32, objects });
const obj = (shape: SceneObject['shape'], color: SceneObject['color'], cx: number, cy: number, size = 5): SceneObject => ({
  shape,
  color,
  cx,
  cy,
  size,
});

test('detectObjects recovers shape, colour and box of every object', () => {
  const img = scene(obj('circle', 'red', 8, 8), obj('square', 'blue', 24, 8, 4), obj('triangle', 'white', 8, 24), obj('cross', 'yellow', 24, 24, 6));
  const d = detectObjects(img).map((o) => `${o.color} ${o.shape}`);
  assert.deepEqual(d.sort(), ['blue square', 'red circle', 'white triangle', 'yellow cross']);
  const sq = detectObjects(img)[1];
  assert.deepEqual(sq.box, [20, 4, 28, 12]);
});

test('non-shapes and off-palette colours are unknown; specks are ignored', () => {
  const img = createImage(32, 32);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      if (((x + 0.5 - 16) / 10) ** 2 + ((y + 0.5 - 10) / 3) ** 2 <= 1) img.data[y * 32 + x] = 1; // wide ellipse
      if ((x - 16) ** 2 + (y - 25) ** 2 <= 16) [0, 1, 2].forEach((c, i) => (img.data[c * 1024 + y * 32 + x] = [1, 0.5, 0][i])); // orange
    }
  }
  img.data[2 * 1024 + 31 * 32 + 31] = 1; // a single-pixel speck
  const d = detectObjects(img);
  assert.equal(d.length, 2);
  assert.equal(d[0].shape, 'unknown');
  assert.equal(d[1].color, 'unknown');
});

test('GenEval rules: presence, counting, colour binding, position', () => {
  const img = scene(obj('circle', 'red', 8, 16), obj('square', 'blue', 24, 16));
  const two = makePrompt('two_objects', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }]);
  assert.deepEqual(evaluatePrompt(two, img).reasons, []);
  const swapped = makePrompt('color_attr', [{ shape: 'circle', color: 'blue', count: 1 }, { shape: 'square', color: 'red', count: 1 }]);
  assert.deepEqual(evaluatePrompt(swapped, img).reasons, [
    'expected blue circle>=1, found 1 red',
    'expected red square>=1, found 1 blue',
  ]);
  const left = makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], 'left of');
  const above = makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], 'above');
  assert.ok(evaluatePrompt(left, img).ok);
  assert.deepEqual(evaluatePrompt(above, img).reasons, ['expected circle above square, found left of']);
  const one = makePrompt('counting', [{ shape: 'circle', count: 1 }]);
  const twoCircles = scene(obj('circle', 'red', 8, 16), obj('circle', 'green', 24, 16));
  assert.deepEqual(evaluatePrompt(one, twoCircles).reasons, ['expected circle<2, found 2']);
  const three = makePrompt('counting', [{ shape: 'circle', count: 3 }]);
  assert.deepEqual(evaluatePrompt(three, twoCircles).reasons, ['expected circle>=3, found 2']);
});

test('strict mode fails on objects the prompt does not mention; geneval mode ignores them', () => {
  const img = scene(obj('circle', 'red', 8, 16), obj('triangle', 'green', 24, 16));
  const p = makePrompt('single_object', [{ shape: 'circle', count: 1 }]);
  assert.ok(evaluatePrompt(p, img).ok);
  const strict = evaluatePrompt(p, img, { mode: 'strict' });
  assert.equal(strict.ok, false);
  assert.match(strict.reasons[0], /^unexpected green triangle at \(24\.0, 16\.\d\)$/);
});

test('wrongPixelMap marks exactly the pixels of unaccounted objects', () => {
  const p = makePrompt('colors', [{ shape: 'square', color: 'blue', count: 1 }]);
  const good = scene(obj('square', 'blue', 8, 8));
  assert.ok(wrongPixelMap(p, good).every((v) => v === 0));
  const img = scene(obj('square', 'blue', 8, 8), obj('square', 'red', 24, 8), obj('circle', 'blue', 16, 24));
  const map = wrongPixelMap(p, img);
  const d = detectObjects(img);
  const marked = (i: number) => d[i].pixels.every((q) => map[q] === 1);
  assert.deepEqual([0, 1, 2].map(marked), [false, true, true]);
  assert.equal(map.reduce((a, b) => a + b, 0), d[1].area + d[2].area);
  // Relation broken: both members of the pair are marked.
  const rel = makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], 'right of');
  const pair = scene(obj('circle', 'red', 8, 16), obj('square', 'blue', 24, 16));
  assert.equal(wrongPixelMap(rel, pair).reduce((a, b) => a + b, 0), detectObjects(pair).reduce((a, o) => a + o.area, 0));
});

test('relativePosition follows GenEval: margins and the 60° cone', () => {
  assert.deepEqual([...relativePosition([0, 0, 4, 4], [10, 0, 14, 4])], ['left of']);
  assert.deepEqual([...relativePosition([0, 10, 4, 14], [0, 0, 4, 4])], ['below']);
  assert.deepEqual([...relativePosition([0, 0, 4, 4], [10, 10, 14, 14])].sort(), ['above', 'left of']);
  assert.equal(relativePosition([0, 0, 10, 10], [1, 0, 11, 10]).size, 0); // overlapping: within the margin
});
