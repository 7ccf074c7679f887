// Run store round trips: runs, steps + diagnostics, evaluations, samples (PNG beside the DB), checkpoints,
// preferences and their JSONL import/export; WAL mode, schema versioning, and error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RunStore } from '../../src/store/run-store.js';
import { SCHEMA_VERSION } from '../../src/store/run-store-schema.js';

function withStore(fn: (store: RunStore, file: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-store-'));
  const file = path.join(dir, 'runs.db');
  const store = RunStore.open(file);
  try {
    fn(store, file);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('open: WAL, synchronous=NORMAL, schema version; a newer schema is refused', () => {
  withStore((store, file) => {
    assert.equal(store.journalMode(), 'wal');
    assert.equal(store.schemaVersion(), SCHEMA_VERSION);
    assert.equal(store.integrityCheck(), 'ok');
    store.close();
    const raw = new Database(file);
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal'); // persisted in the file
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => RunStore.open(file), new RegExp(`schema version must be ≤ ${SCHEMA_VERSION}, got ${SCHEMA_VERSION + 1} .* upgrade Refract`));
  });
});

test('runs and steps round-trip; logStep writes metrics and diagnostics; duplicates and unknown runs are refused', () => {
  withStore((store, file) => {
    const config = { lr: 1e-4, algo: { name: 'grpo', clip: 0.2 } };
    const id = store.createRun({ name: 'r1', kind: 'grpo', config, seed: 7, versions: { refract: '0.1.0' } });
    store.logStep(id, 0, { loss: 0.5, reward: 0.25, bad: NaN }, { kl: 0.01, clipFrac: 0.1 }, 1000);
    store.logStep(id, 1, { loss: 0.4 }, {}, 1001);
    store.setStatus(id, 'finished');
    store.close();

    const again = RunStore.open(file);
    const [run] = again.runs();
    assert.deepEqual(
      { ...run!, createdAt: '', updatedAt: '' },
      {
        id,
        name: 'r1',
        kind: 'grpo',
        config,
        seed: 7,
        versions: { refract: '0.1.0' },
        status: 'finished',
        createdAt: '',
        updatedAt: '',
      },
    );
    assert.deepEqual(again.metrics(id), [
      { step: 0, metrics: { loss: 0.5, reward: 0.25, bad: null }, wallTime: 1000 },
      { step: 1, metrics: { loss: 0.4 }, wallTime: 1001 },
    ]);
    assert.deepEqual(again.diagnostics(id), [
      { step: 0, name: 'clipFrac', value: 0.1 },
      { step: 0, name: 'kl', value: 0.01 },
    ]);
    assert.equal(again.lastStep(id), 1);
    assert.throws(
      () => again.logStep(id, 1, { loss: 0 }),
      /step 1 must be logged once per run, got a duplicate for run 1 — resume from lastStep/,
    );
    assert.throws(
      () => again.logStep(99, 0, { loss: 0 }),
      /runId must name an existing run, got 99 — create it with createRun/,
    );
    assert.throws(
      () => again.logStep(id, 2, { loss: 'x' as unknown as number }),
      /metrics\["loss"\] must be a number, got string/,
    );
    assert.equal(again.lastStep(id), 1, 'a refused step writes nothing');
    again.close();
  });
});

test('evaluations, samples with PNG beside the DB, checkpoints and latestCheckpoint', () => {
  withStore((store, file) => {
    const id = store.createRun({ name: 'r', kind: 'grpo', config: {}, seed: 0 });
    store.logEvaluation(id, { step: 10, suite: 'shapes', overall: 0.63, details: { counting: 0.4 } });
    const [ev] = store.evaluations(id);
    assert.deepEqual([ev!.step, ev!.suite, ev!.overall, ev!.details], [10, 'shapes', 0.63, { counting: 0.4 }]);

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    store.addSample(id, { step: 10, prompt: 'a red circle', seed: 3, png, reward: { total: 0.7, gold: 1 } });
    store.addSample(id, { step: 10, prompt: 'two squares', seed: 4, reward: 0.1 });
    const [s1, s2] = store.samples(id);
    assert.equal(s1!.path, path.join('runs.db.samples', `run-${id}`, `step-000010-${s1!.id}.png`));
    assert.equal(path.dirname(store.samplePath(s1!)!).startsWith(path.dirname(file)), true);
    assert.deepEqual(new Uint8Array(readFileSync(store.samplePath(s1!)!)), png);
    assert.deepEqual([s1!.prompt, s1!.seed, s1!.reward], ['a red circle', 3, { total: 0.7, gold: 1 }]);
    assert.deepEqual([s2!.path, s2!.reward], [null, 0.1]);

    assert.equal(store.latestCheckpoint(id), null);
    store.addCheckpoint(id, 100, 'ckpt/step-000100', { reward: 0.5 });
    store.addCheckpoint(id, 300, 'ckpt/step-000300');
    store.addCheckpoint(id, 200, 'ckpt/step-000200');
    const last = store.latestCheckpoint(id)!;
    assert.deepEqual([last.step, last.path, last.metrics], [300, 'ckpt/step-000300', {}]);
    assert.throws(() => store.addCheckpoint(42, 1, 'x'), /runId must name an existing run, got 42/);
    assert.ok(!existsSync(path.join(path.dirname(file), 'runs.db.samples', 'run-42')));
  });
});

const GOOD = [
  '{"prompt":"a red circle","a_path":"a.png","b_ref":"run1/7","winner":"a","source":"gold","created_at":"2026-01-01T00:00:00.000Z"}',
  '',
  '{"prompt":"two squares","a_ref":"x","b_path":"b.png","winner":"tie","source":"human","labeler":"ann"}',
].join('\n');

test('preferences: add, export JSONL, import into a fresh store gives the same rows', () => {
  withStore((store) => {
    store.addPreference({
      prompt: 'p',
      aPath: 'a.png',
      bPath: 'b.png',
      winner: 'b',
      source: 'reward:ocr',
      createdAt: '2026-02-02T00:00:00.000Z',
    });
    assert.equal(store.importPreferencesJsonl(GOOD), 2);
    const jsonl = store.exportPreferencesJsonl();
    assert.equal(jsonl.split('\n').length, 4); // three lines + trailing newline
    withStore((fresh) => {
      assert.equal(fresh.importPreferencesJsonl(jsonl), 3);
      assert.deepEqual(fresh.preferences(), store.preferences());
    });
    const [p0, p1] = store.preferences();
    assert.deepEqual(
      [p0!.winner, p0!.labeler, p1!.aPath, p1!.bRef, p1!.createdAt],
      ['b', null, 'a.png', 'run1/7', '2026-01-01T00:00:00.000Z'],
    );
    assert.throws(
      () => store.addPreference({ prompt: 'p', aPath: 'a', winner: 'a', source: 'gold' }),
      /b_path or b_ref must be given/,
    );
  });
});

test('importPreferencesJsonl rejects a bad line by number and field, and writes nothing', () => {
  withStore((store) => {
    const cases: [string, RegExp][] = [
      [
        '{"prompt":"q","a_path":"a","b_path":"b","winner":"c","source":"gold"}',
        /line 4: winner must be 'a', 'b' or 'tie', got "c"/,
      ],
      ['{"prompt":"q","a_path":"a","b_path":"b","winner":"a"}', /line 4: source must be a non-empty string/],
      ['{"prompt":"q","a_path":"a","winner":"a","source":"gold"}', /line 4: b_path or b_ref must be given/],
      [
        '{"prompt":"q","a_path":"a","b_path":"b","winner":"a","source":"gold","winer":"a"}',
        /line 4: field "winer" must be one of/,
      ],
      [
        '{"prompt":"q","a_path":"a","b_path":"b","winner":"a","source":"gold","created_at":"yesterday"}',
        /line 4: created_at must be an ISO 8601 date/,
      ],
      ['{"prompt": 3', /line 4: must be a JSON object, got invalid JSON/],
      ['[1]', /line 4: must be a JSON object, got an array/],
    ];
    for (const [bad, message] of cases) {
      assert.throws(() => store.importPreferencesJsonl(`${GOOD}\n${bad}\n${GOOD}`), message);
      assert.equal(store.preferences().length, 0, `nothing written for ${bad}`);
    }
  });
});

test('exportPreferencesJsonl and importPreferencesJsonl work with files', () => {
  withStore((store, file) => {
    store.importPreferencesJsonl(GOOD);
    const out = path.join(path.dirname(file), 'prefs.jsonl');
    store.exportPreferencesJsonl(out);
    withStore((fresh) => {
      assert.equal(fresh.importPreferencesJsonl({ file: out }), 2);
      assert.deepEqual(fresh.preferences(), store.preferences());
    });
  });
});
