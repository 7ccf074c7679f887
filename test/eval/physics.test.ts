import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { addGaussianNoise } from '../../src/data/image.js';
import { renderClip, sampleMovingClip, type MovingSample } from '../../src/data/moving-shapes/index.js';
import { NEGATIVE_KINDS, evaluateClip, fitPiecewise, makeNegative } from '../../src/eval/physics/index.js';

function samples(n: number, seed: number, frames = 8): MovingSample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sampleMovingClip(rng, { frames }));
}

test('fitPiecewise recovers a bouncing parabola exactly: shared acceleration, per-segment position and velocity', () => {
  const t = [0, 1, 2, 3, 4, 5, 6];
  // Segment 0: 2 + 1·t + 0.25·t²; segment 1 (after a bounce): 30 − 3·t + 0.25·t².
  const p = t.map((x) => (x < 4 ? 2 + x + 0.25 * x * x : 30 - 3 * x + 0.25 * x * x));
  const f = fitPiecewise(
    t,
    p,
    t.map((x) => (x < 4 ? 0 : 1)),
    'free',
  );
  assert.ok(Math.abs(f.accel - 0.5) < 1e-6);
  assert.ok(Math.abs(f.b[0] - 1) < 1e-6 && Math.abs(f.b[1] + 3) < 1e-6);
  assert.ok(f.maxAbs < 1e-6);
  const fixed = fitPiecewise(
    t,
    t.map((x) => 1 + 2 * x),
    t.map(() => 0),
    0,
  );
  assert.ok(Math.abs(fixed.b[0] - 2) < 1e-9 && fixed.rms < 1e-9);
  assert.throws(() => fitPiecewise([], [], [], 0), /non-empty/);
});

test('gold clips pass: 8 and 16 frames, one and two objects, every motion', () => {
  for (const [n, frames] of [
    [80, 8],
    [30, 16],
  ] as const) {
    for (const s of samples(n, 31 + frames, frames)) {
      const v = evaluateClip(renderClip(s.clip), s.prompt);
      assert.ok(v.pass, `${s.prompt.text}: ${v.reasons.join('; ')}`);
      assert.equal(v.perFrame.length, frames);
      assert.ok(
        v.perFrame.every((x) => x > 0.9),
        `per-frame scores ${[...v.perFrame].map((x) => x.toFixed(2))}`,
      );
    }
  }
});

test('gold clips survive mild noise (std 0.05)', () => {
  const rng = new Rng(2);
  let pass = 0;
  const all = samples(40, 77);
  for (const s of all)
    if (
      evaluateClip(
        renderClip(s.clip).map((f) => addGaussianNoise(f, 0.05, rng)),
        s.prompt,
      ).pass
    )
      pass++;
  assert.ok(pass >= 38, `${pass}/40 noisy gold clips pass`);
});

test('every kind of implausible clip is rejected, with a reason', () => {
  const rng = new Rng(5);
  const pool = samples(40, 9);
  for (const kind of NEGATIVE_KINDS) {
    let made = 0;
    for (const s of pool) {
      const frames = makeNegative(kind, s, rng);
      if (!frames) continue;
      made++;
      const v = evaluateClip(frames, s.prompt);
      assert.ok(!v.pass, `${kind} passed for "${s.prompt.text}"`);
      assert.ok(v.reasons.length > 0);
      if (made >= 8) break;
    }
    assert.ok(made >= 3, `${kind}: only ${made} applicable samples`);
  }
});

test('per-frame scores localise a glitch; reasons name the object and frames; prompts may be strings', () => {
  const s = samples(1, 12)[0];
  const rng = new Rng(1);
  let frames = makeNegative('flicker', s, rng)!;
  let v = evaluateClip(frames, s.prompt.text);
  const bad = [...v.perFrame].map((x, k) => (x < 0.6 ? k : -1)).filter((k) => k >= 0);
  assert.equal(bad.length, 1, `one frame drops: ${[...v.perFrame].map((x) => x.toFixed(2))}`);
  assert.match(v.reasons.join('; '), new RegExp(`missing in frames ${bad[0]}`));
  frames = renderClip(s.clip);
  v = evaluateClip(frames, 'a green triangle moving up');
  assert.ok(!v.pass, 'a clip judged against another prompt fails');
  assert.throws(() => evaluateClip(frames.slice(0, 2), s.prompt), /at least 3 frames, got 2/);
});
