// Failure kinds (gold.ts) and their per-category tally (failures.ts): each reason carries its kind, in order, and
// the breakdown counts an image once per kind it fails; the CLI's --failures prints the same counts as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePrompt } from '../../src/data/shapes/grammar.js';
import { renderScene } from '../../src/data/shapes/render.js';
import type { SceneObject } from '../../src/data/shapes/types.js';
import { evaluatePrompt } from '../../src/eval/shapes/gold.js';
import { failureBreakdown } from '../../src/eval/shapes/failures.js';
import { shapesEvalPrompts } from '../../src/eval/shapes/shapes-eval.js';

const scene = (...objects: SceneObject[]) => renderScene({ width: 32, height: 32, objects });
const obj = (shape: SceneObject['shape'], color: SceneObject['color'], cx: number, cy: number, size = 5): SceneObject => ({ shape, color, cx, cy, size });
const circleLeftOfSquare = scene(obj('circle', 'red', 8, 16), obj('square', 'blue', 24, 16));

test('every reason carries its kind, in order', () => {
  const kinds = (p: ReturnType<typeof makePrompt>, img = circleLeftOfSquare, mode: 'geneval' | 'strict' = 'geneval') => {
    const j = evaluatePrompt(p, img, { mode });
    assert.equal(j.kinds.length, j.reasons.length);
    return j.kinds;
  };
  const pos = (rel: 'left of' | 'above') => makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'square', count: 1 }], rel);
  assert.deepEqual(kinds(pos('left of')), []);
  assert.deepEqual(kinds(pos('above')), ['wrong_relation']);
  // a small circle in the empty top-left corner of a big triangle's box: no relation clears the margin
  const cornered = scene(obj('circle', 'red', 10, 12, 2.5), obj('triangle', 'blue', 16, 18, 9));
  const tri = makePrompt('position', [{ shape: 'circle', count: 1 }, { shape: 'triangle', count: 1 }], 'left of');
  const d = evaluatePrompt(tri, cornered);
  assert.equal(d.detected.length, 2);
  assert.deepEqual(d.kinds, ['no_relation']);
  assert.match(d.reasons[0]!, /found no clear relation/);
  assert.deepEqual(kinds(makePrompt('color_attr', [{ shape: 'circle', color: 'blue', count: 1 }, { shape: 'square', color: 'red', count: 1 }])), ['colour', 'colour']);
  assert.deepEqual(kinds(makePrompt('counting', [{ shape: 'triangle', count: 2 }])), ['missing']);
  const twoCircles = scene(obj('circle', 'red', 8, 16), obj('circle', 'green', 24, 16));
  assert.deepEqual(kinds(makePrompt('counting', [{ shape: 'circle', count: 1 }]), twoCircles), ['too_many']);
  assert.deepEqual(kinds(makePrompt('single_object', [{ shape: 'circle', count: 1 }]), circleLeftOfSquare, 'strict'), ['extra']);
});

test('failureBreakdown: per category, images, correct, and each kind once per image', () => {
  const set = shapesEvalPrompts({ perCategory: 2 });
  const blank = scene();
  // every prompt gets a blank image (every object missing) and, for the first prompt, the two-object render too
  const images = set.prompts.map((_, i) => (i === 0 ? [blank, circleLeftOfSquare] : [blank]));
  const f = failureBreakdown(set, images);
  assert.deepEqual(Object.keys(f), ['single_object', 'two_objects', 'counting', 'colors', 'position', 'color_attr']);
  assert.equal(f.single_object!.images, 3);
  assert.equal(f.position!.images, 2);
  assert.equal(f.position!.kinds.missing, 2, 'a blank image fails "missing" once, however many objects it lacks');
  assert.equal(f.position!.correct, 0);
  assert.equal(f.color_attr!.kinds.wrong_relation, 0);
  const only = failureBreakdown({ ...set, prompts: set.prompts.filter((p) => p.category === 'colors') }, [[blank], [blank]]);
  assert.deepEqual(Object.keys(only), ['colors']);
});

test('refract eval shapes --failures --json carries the breakdown; it is refused for other suites', () => {
  const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
  const run = (args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, REFRACT_THREADS: '1' } });
  const r = run(['eval', 'shapes', '--checkpoint', 'assets/base/shapes-layout', '--per-category', '2', '--categories', 'position', '--steps', '2', '--failures', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { categories: { position: number }; failures: { position: { images: number; correct: number } } };
  assert.equal(out.failures.position.images, 2);
  assert.equal(out.failures.position.correct / 2, out.categories.position, 'correct images are the accuracy');
  const bad = run(['eval', 'mnist', '--checkpoint', 'assets/base/shapes-layout', '--failures']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--failures applies to "eval shapes" only, got suite "mnist" — drop --failures/);
});
