// `refract eval glyphs`: the shipped glyph base against itself as --baseline draws the same images from the same
// seeds, so the paired comparison must find nothing gained or lost; a non-glyph --baseline is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, REFRACT_THREADS: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface GlyphEvalJson {
  accuracy: number;
  letters: number;
  digits: number;
  n: number;
  seed: number;
  baseline: {
    accuracy: number;
    letters: number;
    digits: number;
    exactReads: { gained: number; lost: number; delta: number; standardError: number };
  };
}

test('eval glyphs: a checkpoint against itself as --baseline gains and loses nothing', () => {
  const base = 'assets/base/glyphs';
  const r = run([
    'eval',
    'glyphs',
    '--checkpoint',
    base,
    '--baseline',
    base,
    '--per-character',
    '1',
    '--steps',
    '2',
    '--seed',
    '7',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as GlyphEvalJson;
  assert.equal(out.n, 36);
  assert.equal(out.seed, 7);
  for (const x of [out.accuracy, out.letters, out.digits]) assert.ok(x >= 0 && x <= 1, `fraction ${x}`);
  assert.equal(out.baseline.accuracy, out.accuracy);
  assert.equal(out.baseline.letters, out.letters);
  assert.equal(out.baseline.digits, out.digits);
  assert.deepEqual(out.baseline.exactReads, { gained: 0, lost: 0, delta: 0, standardError: 0 });
});

test('eval glyphs: a non-glyph --baseline is refused naming the flag', () => {
  const r = run([
    'eval',
    'glyphs',
    '--checkpoint',
    'assets/base/glyphs',
    '--baseline',
    'assets/base/shapes',
    '--per-character',
    '1',
    '--steps',
    '1',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--baseline must hold a glyphs model for "eval glyphs", got a shapes model/);
});
