// Hindsight relabelling in the shapes world (src/eval/shapes/hindsight.ts): an image that fails its position or
// color_attr prompt is relabelled with the prompt it shows — which the strict gold judge then passes — and nothing
// else is relabelled (a correct image, one with an extra or unknown object, no clear relation, other categories).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePrompt } from '../../src/data/shapes/grammar.js';
import { renderScene } from '../../src/data/shapes/render.js';
import type { SceneObject } from '../../src/data/shapes/types.js';
import { detectObjects } from '../../src/eval/shapes/detect.js';
import { evaluatePrompt } from '../../src/eval/shapes/gold.js';
import { hindsightPrompt } from '../../src/eval/shapes/hindsight.js';

const scene = (...objects: SceneObject[]) => renderScene({ width: 32, height: 32, objects });
const obj = (shape: SceneObject['shape'], color: SceneObject['color'], cx: number, cy: number, size = 5): SceneObject => ({ shape, color, cx, cy, size });
const position = (a: SceneObject['shape'], b: SceneObject['shape'], rel: 'left of' | 'right of' | 'above' | 'below') =>
  makePrompt('position', [{ shape: a, count: 1 }, { shape: b, count: 1 }], rel);

test('position: an image showing another relation is relabelled with it, subject first, and the strict judge passes it', () => {
  const img = scene(obj('circle', 'red', 16, 7), obj('square', 'blue', 16, 24)); // circle above square
  const detected = detectObjects(img);
  const asked = position('circle', 'square', 'left of');
  const h = hindsightPrompt(asked, detected);
  assert.ok(h !== null);
  assert.equal(h.text, 'a circle above a square');
  assert.equal(h.category, 'position');
  assert.ok(evaluatePrompt(h, img, { mode: 'strict' }).ok);
  assert.equal(evaluatePrompt(asked, img, { mode: 'strict' }).ok, false);
  // asked with the square as subject: the relabel keeps the square first
  assert.equal(hindsightPrompt(position('square', 'circle', 'above'), detected)?.text, 'a square below a circle');
});

test('color_attr: swapped colours are relabelled as the colours shown, in the prompt\'s shape order', () => {
  const img = scene(obj('circle', 'red', 8, 16), obj('square', 'blue', 24, 16));
  const asked = makePrompt('color_attr', [{ shape: 'square', color: 'red', count: 1 }, { shape: 'circle', color: 'blue', count: 1 }]);
  const h = hindsightPrompt(asked, detectObjects(img));
  assert.equal(h?.text, 'a blue square and a red circle');
  assert.ok(evaluatePrompt(h!, img, { mode: 'strict' }).ok);
});

test('a diagonal layout holds two relations: the relabel is the first in RELATIONS\' order, and it passes', () => {
  const diagonal = scene(obj('circle', 'red', 9, 9, 4), obj('square', 'blue', 21, 21, 4)); // left of and above
  const h = hindsightPrompt(position('circle', 'square', 'right of'), detectObjects(diagonal));
  assert.equal(h?.text, 'a circle to the left of a square');
  assert.ok(evaluatePrompt(position('circle', 'square', 'above'), diagonal).ok, 'above holds too');
});

test('nothing is relabelled when the image is right, shows more or less than two known objects or one shape twice, or another category', () => {
  const two = scene(obj('circle', 'red', 8, 16), obj('square', 'blue', 24, 16));
  assert.equal(hindsightPrompt(position('circle', 'square', 'left of'), detectObjects(two)), null, 'already correct');
  const three = scene(obj('circle', 'red', 6, 8), obj('square', 'blue', 26, 8), obj('triangle', 'green', 16, 25));
  assert.equal(hindsightPrompt(position('circle', 'square', 'right of'), detectObjects(three)), null, 'an extra object');
  const one = scene(obj('circle', 'red', 16, 16));
  assert.equal(hindsightPrompt(position('circle', 'square', 'right of'), detectObjects(one)), null, 'a missing object');
  const same = scene(obj('circle', 'red', 8, 16), obj('circle', 'blue', 24, 16));
  assert.equal(hindsightPrompt(position('circle', 'square', 'right of'), detectObjects(same)), null, 'two of one shape');
  const sameColour = scene(obj('circle', 'red', 8, 16), obj('square', 'red', 24, 16));
  const binding = makePrompt('color_attr', [{ shape: 'circle', color: 'blue', count: 1 }, { shape: 'square', color: 'red', count: 1 }]);
  assert.equal(hindsightPrompt(binding, detectObjects(sameColour)), null, 'one colour twice is no color_attr prompt');
  const swapped = makePrompt('two_objects', [{ shape: 'circle', count: 1 }, { shape: 'triangle', count: 1 }]);
  assert.equal(hindsightPrompt(swapped, detectObjects(two)), null, 'two_objects is not relabelled');
});
