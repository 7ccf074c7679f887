import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import {
  CLIP_TICKS,
  GRAVITY,
  MOTIONS,
  frameTime,
  movingPrompt,
  packFrames,
  parseMovingPrompt,
  renderClip,
  sampleMovingClip,
  simulate,
  type MovingObject,
} from '../../src/data/moving-shapes/index.js';

const base: MovingObject = {
  shape: 'circle',
  color: 'red',
  size: 3,
  motion: 'right',
  x0: 5,
  y0: 16,
  vx: 1.5,
  vy: 0.2,
  restitution: 1,
};

test('constant velocity is exact: x = x0 + vx·t at frame times spanning CLIP_TICKS', () => {
  const tr = simulate(base, 8, 32, 32);
  for (let k = 0; k < 8; k++) {
    assert.ok(Math.abs(tr.x[k] - (5 + 1.5 * k)) < 1e-12);
    assert.ok(Math.abs(tr.y[k] - (16 + 0.2 * k)) < 1e-12);
  }
  assert.equal(frameTime(15, 16), CLIP_TICKS);
  assert.equal(tr.collisions.length, 0);
});

test('free fall is the closed-form parabola; an elastic floor bounce keeps speed, a damped one scales it by e', () => {
  const fall: MovingObject = { ...base, motion: 'falling', x0: 16, y0: 4, vx: 0, vy: 0 };
  const tr = simulate(fall, 8, 32, 32);
  for (let k = 0; k < 8; k++) assert.ok(Math.abs(tr.y[k] - (4 + (GRAVITY / 2) * k * k)) < 1e-9);
  for (const e of [1, 0.7]) {
    const b = simulate({ ...fall, motion: 'bouncing', y0: 10, vy: 1, restitution: e }, 16, 32, 32);
    const hit = b.collisions[0];
    assert.equal(hit.wall, 'floor');
    // Contact time solves 10 + t + g t²/2 = 29 (floor at 32 − size).
    const tc = (-1 + Math.sqrt(1 + 2 * GRAVITY * 19)) / GRAVITY;
    assert.ok(Math.abs(hit.t - tc) < 1e-9);
    assert.ok(Math.abs(hit.speedIn - (1 + GRAVITY * tc)) < 1e-9);
    assert.ok(Math.abs(hit.speedOut - e * hit.speedIn) < 1e-9);
    assert.ok(
      Array.from(b.y).every((y) => y <= 29 + 1e-9),
      'never below the floor',
    );
  }
});

test('walls reflect x; a bounce too weak to see becomes rest on the floor', () => {
  const wall = simulate({ ...base, motion: 'bouncing', x0: 27, y0: 5, vx: 2, vy: 0 }, 8, 32, 32);
  assert.equal(wall.collisions[0].wall, 'right');
  assert.ok(wall.x[7] < 29);
  const dead = simulate({ ...base, motion: 'bouncing', x0: 16, y0: 28.9, vx: 0, vy: 0, restitution: 0 }, 8, 32, 32);
  assert.ok(Math.abs(dead.y[7] - 29) < 1e-12, 'rests on the floor');
});

test('prompt grammar round-trips and rejects other phrasings', () => {
  const p = movingPrompt([
    { color: 'red', shape: 'circle', motion: 'bouncing' },
    { color: 'blue', shape: 'square', motion: 'right' },
  ]);
  assert.equal(p.text, 'a red circle bouncing and a blue square moving right');
  assert.deepEqual(parseMovingPrompt(p.text), p);
  assert.deepEqual(parseMovingPrompt('A  Green triangle FALLING').objects, [
    { color: 'green', shape: 'triangle', motion: 'falling' },
  ]);
  assert.throws(
    () => parseMovingPrompt('a red cross spinning'),
    /each phrase must read 'a <colour> <circle\|square\|triangle> <moving left/,
  );
  assert.throws(() => movingPrompt([]), /1 or 2 objects, got 0/);
});

test('sampler: seeded, every motion, constraints hold, frames render', () => {
  const a = sampleMovingClip(new Rng(4));
  assert.deepEqual(sampleMovingClip(new Rng(4)), a);
  const rng = new Rng(8);
  const seen = new Set<string>();
  for (let i = 0; i < 150; i++) {
    const s = sampleMovingClip(rng, { frames: i % 2 === 0 ? 8 : 12 });
    assert.deepEqual(parseMovingPrompt(s.prompt.text), s.prompt);
    s.clip.objects.forEach((o, j) => {
      seen.add(o.motion);
      const tr = s.trajectories[j];
      if (o.motion === 'bouncing')
        assert.ok(
          tr.collisions.some((c) => c.wall === 'floor'),
          'bouncing bounces',
        );
      else assert.equal(tr.collisions.length, 0, `${o.motion} touches no wall`);
    });
    if (s.clip.objects.length === 2) assert.notEqual(s.clip.objects[0].color, s.clip.objects[1].color);
  }
  assert.deepEqual([...seen].sort(), [...MOTIONS].sort());
  const frames = renderClip(a.clip);
  assert.equal(frames.length, 8);
  assert.equal(packFrames(frames).length, 8 * 3 * 32 * 32);
  assert.throws(() => sampleMovingClip(new Rng(1), { frames: 2 }), /frames must be an integer in \[4, 64\], got 2/);
});
