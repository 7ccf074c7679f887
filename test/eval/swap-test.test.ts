// The swap test (src/eval/shapes/swap-test.ts) on ground-truth renders: a correct pair mirrors, a repeated layout
// does not; and the summary's arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePrompt } from '../../src/data/shapes/grammar.js';
import { renderScene } from '../../src/data/shapes/render.js';
import type { SceneObject } from '../../src/data/shapes/types.js';
import { judgeSwapPair, summariseSwapTest, swapSubjects } from '../../src/eval/shapes/swap-test.js';

const obj = (shape: SceneObject['shape'], color: SceneObject['color'], cx: number, cy: number): SceneObject => ({ shape, color, cx, cy, size: 5 });
const scene = (objects: SceneObject[]) => renderScene({ width: 32, height: 32, objects });

test('swapSubjects exchanges subject and object and keeps the relation', () => {
  const p = makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], 'left of');
  const q = swapSubjects(p);
  assert.equal(q.text, makePrompt('position', [{ shape: 'square', count: 1 }, { shape: 'circle', count: 1 }], 'left of').text);
  assert.throws(() => swapSubjects(makePrompt('single_object', [{ shape: 'circle', count: 1 }])), /must be a position prompt/);
});

test('judgeSwapPair: mirrored layouts pass; the same layout twice does not', () => {
  const p = makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], 'left of');
  const circleLeft = scene([obj('circle', 'red', 8, 16), obj('square', 'blue', 24, 16)]);
  const circleRight = scene([obj('circle', 'red', 24, 16), obj('square', 'blue', 8, 16)]);
  assert.deepEqual(judgeSwapPair(p, circleLeft, circleRight), { original: true, swapped: true, mirrored: true });
  assert.deepEqual(judgeSwapPair(p, circleLeft, circleLeft), { original: true, swapped: false, mirrored: false });
  const v = makePrompt('position', [{ shape: 'cross', count: 1 }, { shape: 'triangle', count: 1 }], 'above');
  const crossUp = scene([obj('cross', 'green', 16, 8), obj('triangle', 'white', 16, 24)]);
  const crossDown = scene([obj('cross', 'green', 16, 24), obj('triangle', 'white', 16, 8)]);
  assert.equal(judgeSwapPair(v, crossUp, crossDown).mirrored, true);
  assert.equal(judgeSwapPair(v, crossUp, scene([])).mirrored, false); // nothing drawn: nothing mirrored
});

test('summariseSwapTest: fractions over pairs', () => {
  const s = summariseSwapTest(
    [
      { original: true, swapped: true, mirrored: true },
      { original: true, swapped: false, mirrored: false },
      { original: false, swapped: false, mirrored: true },
      { original: false, swapped: true, mirrored: false },
    ],
    2,
  );
  assert.deepEqual(s, { n: 4, mirrored: 0.5, bothCorrect: 0.25, accuracy: 0.5, skipped: 2 });
});
