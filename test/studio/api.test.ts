// The read API over a runs folder: the runs list, one run with its alarms and samples, live steps over SSE while a
// writer logs them, files of the run folder, comparisons and reward cards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunStore } from '../../src/store/run-store.js';
import { encodeDenseMap, decodeDenseMap } from '../../src/store/dense-map.js';
import { encodeGridPng } from '../../src/eval/report/png.js';
import { createImage } from '../../src/data/image.js';
import { call, studioOn, tempRuns } from './helpers.js';

function writeRun(dir: string, steps: number): { store: RunStore; runId: number } {
  mkdirSync(dir, { recursive: true });
  const store = RunStore.open(path.join(dir, 'runs.sqlite'));
  const runId = store.createRun({ name: 'grpo-shapes', kind: 'grpo', config: { iterations: 10, rewards: [{ kind: 'shapes_gold' }] }, seed: 0 });
  for (let s = 1; s <= steps; s++) store.logStep(runId, s, { reward: 0.1 * s, klToReference: 0.001 * s }, s === 2 ? { monitor_warn: 1 } : {});
  if (steps >= 2) store.logMonitorEvent(runId, { step: 2, monitor: 'hacking', action: 'warn', reason: 'gold-drop at iteration 2: gold fell 0.03 from its best', outcome: 'logged' });
  store.logEvaluation(runId, { step: 0, suite: 'shapes_eval', overall: 0.5 });
  store.addSample(runId, { step: 0, prompt: 'a red circle', seed: 3, png: encodeGridPng([createImage(4, 4)]), reward: { proxy: 0.4, gold: 1, dense: { gold: encodeDenseMap([0, 1, 2, 3], 2, 2) } } });
  return { store, runId };
}

test('dense maps round-trip through their 8-bit storage within half a quantisation step', () => {
  const v = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3);
  const back = decodeDenseMap(encodeDenseMap(v, 8, 8));
  const step = (Math.max(...v) - Math.min(...v)) / 255;
  v.forEach((x, i) => assert.ok(Math.abs(back[i]! - x) <= step / 2 + 1e-6, `entry ${i}`));
  assert.throws(() => encodeDenseMap([1, 2, 3], 2, 2), /must hold width·height = 4 numbers, got 3/);
});

test('runs, run, files, compare and cards read what the stores and reports wrote', async () => {
  const t = tempRuns();
  const { store } = writeRun(path.join(t.dir, 'grpo'), 3);
  store.close();
  mkdirSync(path.join(t.dir, 'cmp'));
  writeFileSync(path.join(t.dir, 'cmp', 'compare.json'), JSON.stringify({ budget: {}, rows: [{ algorithm: 'grpo', gold: 0.6 }] }));
  mkdirSync(path.join(t.dir, 'audit'));
  writeFileSync(path.join(t.dir, 'audit', 'reward-cards.json'), JSON.stringify({ cards: [{ name: 'gold', passed: true }] }));
  const s = await studioOn(t.dir);
  try {
    const runs = await call<{ runs: { folder: string; status: string; lastStep: number; gold: number; iterations: number; rewards: string }[] }>(`${s.url}/api/runs`);
    assert.deepEqual(runs.body.runs.map((r) => [r.folder, r.status, r.lastStep, r.gold, r.iterations, r.rewards]), [['grpo', 'running', 3, 0.5, 10, 'shapes_gold']]);
    const run = await call<{ steps: unknown[]; alarms: { step: number; action: string; reason: string }[]; samples: { href: string; reward: { gold: number } }[] }>(`${s.url}/api/run?folder=grpo`);
    assert.equal(run.body.steps.length, 3);
    assert.deepEqual(run.body.alarms.map((a) => [a.step, a.action, a.reason]), [[2, 'warn', 'gold-drop at iteration 2: gold fell 0.03 from its best']], 'the rule and what it measured');
    assert.equal(run.body.samples[0]!.reward.gold, 1);
    const png = await fetch(`${s.url}/api/file?folder=grpo&path=${encodeURIComponent(run.body.samples[0]!.href)}`);
    assert.equal(png.status, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.equal((await call(`${s.url}/api/run?folder=nope`)).status, 404);
    const cmp = await call<{ comparisons: { folder: string }[] }>(`${s.url}/api/compare`);
    assert.deepEqual(cmp.body.comparisons.map((c) => c.folder), ['cmp']);
    const cards = await call<{ audits: { folder: string }[] }>(`${s.url}/api/cards`);
    assert.deepEqual(cards.body.audits.map((c) => c.folder), ['audit']);
    const page = await fetch(`${s.url}/run?folder=grpo`);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    const js = await fetch(`${s.url}/app.js`);
    assert.ok((await js.text()).length > 100_000, 'the bundle holds preact and vega');
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('the event stream sends steps, alarms and status as a writer logs them', async () => {
  const t = tempRuns();
  const { store, runId } = writeRun(path.join(t.dir, 'live'), 1);
  const s = await studioOn(t.dir);
  const ctl = new AbortController();
  try {
    const res = await fetch(`${s.url}/api/events?folder=live&after=1`, { signal: ctl.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const until = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!pattern.test(text)) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${pattern} in ${text}`);
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
      }
    };
    await until(/event: status\ndata: \{"status":"running"\}/);
    assert.doesNotMatch(text, /event: steps/, 'steps up to `after` are not resent');
    store.logStep(runId, 2, { reward: 0.9 }, { monitor_warn: 1 });
    store.logMonitorEvent(runId, { step: 2, monitor: 'hacking', action: 'warn', reason: 'saturation-collapse at iteration 2', outcome: 'logged' });
    await until(/event: steps\ndata: \[\{"step":2/);
    await until(/event: alarms\ndata: \[\{"step":2,"monitor":"hacking","action":"warn","reason":"saturation-collapse at iteration 2"/);
    store.setStatus(runId, 'finished');
    await until(/"status":"finished"/);
    ctl.abort();
  } finally {
    store.close();
    await s.close();
    t.cleanup();
  }
});

test('a launch naming no config or no reward model of this Studio is refused before any worker starts', async () => {
  const t = tempRuns();
  const s = await studioOn(t.dir);
  try {
    const launch = (body: unknown) => call(`${s.url}/api/launch`, { method: 'POST', token: s.adminToken, body });
    const noConfig = await launch({ rewardModel: 'rm-001', config: 'nope.yaml' });
    assert.equal(noConfig.status, 404);
    assert.match(noConfig.body.error!, /config must name a run config inside the runs folder or under configs\/, got "nope.yaml"/);
    const noModel = await launch({ rewardModel: 'rm-001', config: 'grpo-shapes.yaml' });
    assert.equal(noModel.status, 404);
    assert.match(noModel.body.error!, /reward model must be one trained in this Studio, got "rm-001"/);
    assert.equal((await launch({ rewardModel: 'rm-001', config: '../../etc/passwd' })).status, 400);
    assert.equal((await launch({ rewardModel: 'rm-001', config: 'grpo-shapes.yaml', pessimism: -1 })).status, 400, 'pessimism ≥ 0');
    assert.deepEqual(s.jobs.list(), []);
  } finally {
    await s.close();
    t.cleanup();
  }
});
