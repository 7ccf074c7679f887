import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xs = Array.from({ length: 100 }, () => a.uniform());
  assert.deepEqual(xs, Array.from({ length: 100 }, () => b.uniform()));
  assert.notDeepEqual(xs, Array.from({ length: 100 }, () => c.uniform()));
});

test('uniform lies in [0, 1) with mean ≈ 1/2', () => {
  const r = new Rng(1);
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
  }
  assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
});

test('int(lo, hi) is inclusive at both ends and hits every value', () => {
  const r = new Rng(2);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = r.int(-2, 3);
    assert.ok(Number.isInteger(v) && v >= -2 && v <= 3);
    seen.add(v);
  }
  assert.equal(seen.size, 6);
  assert.throws(() => r.int(3, 2), /refract rng: int\(lo, hi\) needs integers with lo <= hi, got \(3, 2\)/);
});

test('normal has mean ≈ 0 and variance ≈ 1', () => {
  const r = new Rng(3);
  const n = 40000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
});

test('shuffle permutes in place; choice picks members; fork is deterministic', () => {
  const r = new Rng(4);
  const xs = Array.from({ length: 20 }, (_, i) => i);
  const ys = r.shuffle([...xs]);
  assert.deepEqual([...ys].sort((a, b) => a - b), xs);
  assert.notDeepEqual(ys, xs);
  assert.ok(xs.includes(r.choice(xs)));
  assert.throws(() => r.choice([]), /non-empty/);
  assert.equal(new Rng(9).fork().uniform(), new Rng(9).fork().uniform());
  assert.throws(() => new Rng(Number.NaN), /seed must be a finite number/);
});
