// The overoptimisation experiment end to end on a tiny model and tiny reward models: the loop runs with the
// hacking monitor attached, the monitor records every evaluation's signals, a rule's stop ends the run, and the
// log, summary and figure come out. Seconds on one thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { runOveroptExperiment } from '../../src/train/overopt/experiment.js';
import { splitOveroptConfig } from '../../src/train/overopt/config.js';
import { overoptFigureSvg } from '../../src/train/overopt/figure.js';
import { tinyBase, tinyRunConfig } from '../train/fixtures.js';

const tinyRm = { pairs: 8, labelNoise: 0.25, steps: 3 };

test('experiment config: proxy and heldOut sections are validated; rewards must be absent', () => {
  const { sections, run } = splitOveroptConfig({ seed: 1, proxy: { pairs: 64, members: 3 }, heldOut: [{ seed: 5 }] }, 'x');
  assert.equal(sections.proxy.pairs, 64);
  assert.equal(sections.proxy.labelNoise, 0.2);
  assert.equal(sections.heldOut[0]!.seed, 5);
  assert.deepEqual(run, { seed: 1 });
  assert.throws(() => splitOveroptConfig({ proxy: { pair: 3 } }, 'x'), /unknown field\(s\) "pair"/);
  assert.throws(() => splitOveroptConfig({ proxy: { labelNoise: 2 } }, 'x'), /field "proxy\.labelNoise"/);
  assert.throws(() => splitOveroptConfig({ rewards: [] }, 'x'), /rewards must be absent, got \[\] — the proxy section defines/);
});

test('a tiny experiment: signals at every evaluation, the first alarm stops the run, log and summary agree', async () => {
  const { dir, base } = tinyBase('refract-overopt-');
  try {
    const out = path.join(dir, 'run');
    const { rewards: _unused, ...run } = tinyRunConfig(base, out, {
      iterations: 4,
      eval: { every: 1 },
      grpo: { klCoefficient: 1e-4 },
      monitor: { warmup: 3, rules: [{ kind: 'above', signal: 'sqrtKl', value: -1, action: { kind: 'rollback', then: 'stop' } }] },
    });
    const file = path.join(dir, 'overopt.yaml');
    writeFileSync(file, stringify({ ...run, proxy: { ...tinyRm, members: 2, seed: 1 }, heldOut: [{ ...tinyRm, seed: 2 }] }));
    const r = await runOveroptExperiment(file);
    assert.equal(r.training.status, 'stopped');
    assert.deepEqual(r.history.map((m) => m.iteration), [0, 1, 2], 'warm-up 3: fires at the third evaluation');
    for (const m of r.history) {
      for (const k of ['proxy', 'gold', 'heldOut', 'uncertainty', 'sqrtKl', 'diversity', 'darkFraction'] as const) {
        assert.ok(Number.isFinite(m.values[k]), `${k} measured at iteration ${m.iteration}`);
      }
    }
    assert.equal(r.summary.firstAlarm?.iteration, 2);
    assert.equal(r.summary.firstAlarm?.action, 'rollback');
    assert.ok(r.summary.finalModelGold >= 0 && r.summary.finalModelGold <= 1);
    const lines = readFileSync(path.join(out, 'overopt-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; action?: { kind: string } });
    assert.deepEqual(lines.filter((l) => l.type === 'action').map((l) => l.action!.kind), ['rollback', 'stop']);
    assert.equal(lines.filter((l) => l.type === 'eval').length, 3);
    const summary = JSON.parse(readFileSync(path.join(out, 'overopt-summary.json'), 'utf8')) as { firstAlarm: { signal: string } };
    assert.equal(summary.firstAlarm.signal, 'sqrtKl');
    const svg = await overoptFigureSvg([{ name: 'tiny', history: r.history, alarms: r.alarms }]);
    assert.match(svg, /^<svg/);
    assert.match(svg, /first alarm/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
