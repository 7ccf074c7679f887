// The loop closed over the HTTP API, as the browser drives it: a scripted labeler answers from the gold evaluator
// with 10% noise → the admin trains a Bradley–Terry ensemble on the labels (worker process) → its card → a GRPO run
// with it as the reward (worker process, hacking monitor on) whose steps land in a run store the runs page lists.
// The model here is the tiny random one of the training tests, so this checks the plumbing, not a gold gain: the
// gain on the real Shapes base is measured by bench/studio-loop.ts (numbers in the issue #13 note).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { LabelDb } from '../../src/studio/label-db.js';
import { Rng } from '../../src/data/rng.js';
import { RunStore } from '../../src/store/run-store.js';
import { tinyBase, tinyRunConfig } from '../train/fixtures.js';
import { call, studioOn, tempRuns, withPool } from './helpers.js';

interface Shown { id: number; items: { id: number }[] }

/** Labels every pair the queue serves: the gold-preferred item, flipped with probability `noise`. */
async function scriptedLabeler(url: string, token: string, gold: (item: number) => number, noise: number, seed: number): Promise<number> {
  const rng = new Rng(seed);
  let n = 0;
  for (;;) {
    const next = await call<{ pair: Shown | null }>(`${url}/api/label/next`, { token });
    assert.equal(next.status, 200);
    const pair = next.body.pair;
    if (pair === null) return n;
    const g = pair.items.map((it) => gold(it.id));
    let best = g.indexOf(Math.max(...g));
    if (rng.uniform() < noise) best = (best + 1) % g.length;
    const r = await call(`${url}/api/label`, { method: 'POST', token, body: { key: `label-${seed}-${n}`, pair: pair.id, choice: best } });
    assert.equal(r.status, 200, r.text);
    n++;
  }
}

async function waitJob(url: string, token: string, id: number): Promise<{ status: string; result: unknown; log: string[] }> {
  for (;;) {
    const r = await call<{ job: { status: string; result: unknown; log: string[] } }>(`${url}/api/job?id=${id}`, { token });
    if (r.body.job.status !== 'running') return r.body.job;
    await new Promise((res) => setTimeout(res, 200));
  }
}

test('scripted labeler → reward model → GRPO run, all through the HTTP API', { timeout: 120_000 }, async (t0) => {
  const t = tempRuns('refract-studio-loop-');
  withPool(t.dir, { pairs: 160, bestOf4: 0, checkEvery: 10, seed: 3 });
  const { dir: baseDir, base } = tinyBase('refract-studio-base-');
  const { out: _out, ...config } = tinyRunConfig(base, 'unused');
  writeFileSync(path.join(t.dir, 'tiny.yaml'), YAML.stringify({ ...config, iterations: 3 }));
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  const goldOf = new Map(db.items().map((it) => [it.id, it.gold ?? 0]));
  db.close();
  const s = await studioOn(t.dir);
  try {
    const admin = s.adminToken;
    const made = await call<{ token: string }>(`${s.url}/api/labelers`, { method: 'POST', token: admin, body: { name: 'script' } });
    const labels = await scriptedLabeler(s.url, made.body.token, (id) => goldOf.get(id)!, 0.1, 5);
    assert.equal(labels, 160, 'every pair, checks included, was served once');
    const who = await call<{ labelers: { labeler: string; labels: number; checks: number; correct: number }[]; preferences: { n: number } }>(`${s.url}/api/labelers`);
    const script = who.body.labelers.find((l) => l.labeler === 'script')!;
    assert.deepEqual([script.labels, script.checks], [144, 16]);
    assert.equal(who.body.preferences.n, 144);

    const rmJob = await call<{ job: { id: number } }>(`${s.url}/api/reward-models`, { method: 'POST', token: admin, body: { members: 2, steps: 150, heldOutFraction: 0.25 } });
    assert.equal(rmJob.status, 202);
    const rm = await waitJob(s.url, admin, rmJob.body.job.id);
    assert.equal(rm.status, 'finished', rm.log.join('\n'));
    const card = rm.result as { name: string; labels: number; heldOut: { accuracy: number; se: number; n: number } };
    assert.equal(card.labels + card.heldOut.n, 144, 'every labelled pair trains or is held out');
    assert.ok(card.heldOut.n >= 20, `a quarter of the prompts held out, got ${card.heldOut.n} pairs`);
    t0.diagnostic(`agreement with held-out labels ${card.heldOut.accuracy.toFixed(3)} ± ${card.heldOut.se.toFixed(3)} (n = ${card.heldOut.n})`);
    // ~32 held-out labels cannot show a gain over chance here (0.53 ± 0.09 on this draw); test/studio/label-split.test.ts
    // checks that claim on 240 gold-noised labels. Here: the card is measured on the held-out labels at all.
    assert.ok(card.heldOut.accuracy >= 0 && card.heldOut.accuracy <= 1 && card.heldOut.se > 0, `held-out accuracy ${card.heldOut.accuracy} ± ${card.heldOut.se}`);
    const cards = await call<{ studio: { data: { name: string } }[] }>(`${s.url}/api/cards`);
    assert.deepEqual(cards.body.studio.map((c) => c.data.name), [card.name]);

    const launch = await call<{ job: { id: number; spec: { out: string } } }>(`${s.url}/api/launch`, { method: 'POST', token: admin, body: { rewardModel: card.name, config: 'tiny.yaml', out: 'studio-runs/e2e', pessimism: 1 } });
    assert.equal(launch.status, 202, launch.text);
    const run = await waitJob(s.url, admin, launch.body.job.id);
    assert.equal(run.status, 'finished', run.log.join('\n'));
    assert.ok(run.log.some((l) => /conservative: mean − 1·std over its members/.test(l)), run.log.join('\n'));
    const store = RunStore.open(path.join(t.dir, 'studio-runs', 'e2e', 'runs.sqlite'));
    try {
      const r = store.runs()[0]!;
      assert.equal(r.status, 'finished');
      assert.deepEqual(store.metrics(r.id).map((x) => x.step), [1, 2, 3]);
      assert.ok((r.config as { monitor?: unknown }).monitor !== undefined, 'the hacking monitor is on');
      const rewards = store.metrics(r.id).map((x) => x.metrics['reward/mean']);
      assert.ok(rewards.every((x) => typeof x === 'number' && Number.isFinite(x)), 'the proxy is the ensemble (mean component)');
      // launched with pessimism 1, the run's reward is the conservative mean − 1·std (averages are linear)
      for (const { metrics: m } of store.metrics(r.id)) {
        assert.ok(Math.abs(m['reward']! - (m['reward/mean']! - m['reward/std']!)) < 1e-4, `reward ${m['reward']} = mean ${m['reward/mean']} − std ${m['reward/std']}`);
      }
    } finally {
      store.close();
    }
    const runs = await call<{ runs: { folder: string }[] }>(`${s.url}/api/runs`);
    assert.ok(runs.body.runs.some((r) => r.folder === path.join('studio-runs', 'e2e')));
  } finally {
    await s.close();
    t.cleanup();
    rmSync(baseDir, { recursive: true, force: true });
  }
});
