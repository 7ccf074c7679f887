// readOveroptRun: an overoptimisation run read back from its overopt-log.jsonl (evaluations in order, every alarm),
// so a run stopped early can still be drawn, and a broken log is refused naming the file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readOveroptRun, OVEROPT_LOG } from '../../src/train/overopt/log.js';
import { overoptFigureSvg } from '../../src/train/overopt/figure.js';

test('readOveroptRun: evaluations in order, alarms collected, step lines ignored; the figure draws it', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'refract-overopt-log-'));
  const dir = path.join(root, 'M1'); // the run's name: short, so the legend shows it whole
  mkdirSync(dir);
  try {
    const alarm = { rule: 0, name: 'saturation below', signal: 'saturation', iteration: 20, detail: 'x', action: { kind: 'stop' } };
    const lines = [
      { type: 'eval', iteration: 0, values: { gold: 0.6, proxy: 0.8, sqrtKl: 0, saturation: 0.7 }, alarms: [] },
      { type: 'step', iteration: 1, reward: 0.8, kl: 1e-5, skipped: false },
      { type: 'eval', iteration: 10, values: { gold: 0.7, proxy: 0.85, sqrtKl: 0.01, saturation: 0.65 }, alarms: [] },
      { type: 'eval', iteration: 20, values: { gold: 0.62, proxy: 0.9, sqrtKl: 0.02, saturation: 0.5 }, alarms: [alarm] },
      { type: 'final', iteration: 20, gold: 0.7 },
    ];
    writeFileSync(path.join(dir, OVEROPT_LOG), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const run = readOveroptRun(dir);
    assert.equal(run.name, 'M1');
    assert.deepEqual(run.history.map((m) => m.iteration), [0, 10, 20]);
    assert.equal(run.history[1]!.values.gold, 0.7);
    assert.deepEqual(run.alarms.map((a) => [a.iteration, a.signal]), [[20, 'saturation']]);
    const svg = await overoptFigureSvg([run]);
    assert.match(svg, /^<svg/);
    assert.match(svg, /M1: first alarm/, 'the first alarm is marked in the figure');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readOveroptRun: a missing log or a line that is not JSON is refused naming it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refract-overopt-log-'));
  try {
    assert.throws(() => readOveroptRun(dir), /must hold overopt-log\.jsonl/);
    writeFileSync(path.join(dir, OVEROPT_LOG), '{"type":"eval","iteration":0,"values":{}}\nnot json\n');
    assert.throws(() => readOveroptRun(dir), /line 2 must be JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
