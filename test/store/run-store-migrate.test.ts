// Schema migration 2 (run status 'interrupted' and 'diverged', issue #12): a version-1 store keeps every run and
// every child row, its foreign keys still cascade, and a second process opening the store while the first creates
// it does not run the migration twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { RunStore } from '../../src/store/run-store.js';
import { MIGRATIONS, SCHEMA_VERSION, applyPragmas } from '../../src/store/run-store-schema.js';

const STORE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/store/run-store.js')).href;

test('a version-1 store migrates to the new statuses with its rows, foreign keys and cascades intact', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-migrate-'));
  try {
    const file = path.join(dir, 'runs.sqlite');
    const v1 = new Database(file);
    applyPragmas(v1);
    v1.exec(MIGRATIONS[0]!.sql);
    v1.pragma('user_version = 1');
    v1.prepare(`INSERT INTO runs (id, name, kind, config, seed, versions, status, created_at, updated_at) VALUES (1, 'r', 'grpo', '{}', 0, '{}', 'running', 't', 't')`).run();
    v1.prepare(`INSERT INTO steps (run_id, step, metrics, wall_time) VALUES (1, 1, '{}', 0)`).run();
    v1.prepare(`INSERT INTO checkpoints (run_id, step, path, metrics, created_at) VALUES (1, 0, 'p', '{}', 't')`).run();
    assert.throws(() => v1.prepare(`UPDATE runs SET status = 'interrupted'`).run(), /CHECK constraint/);
    v1.close();

    const store = RunStore.open(file);
    assert.equal(store.schemaVersion(), SCHEMA_VERSION);
    assert.equal(store.integrityCheck(), 'ok');
    assert.deepEqual(store.metrics(1).map((s) => s.step), [1]);
    assert.deepEqual(store.checkpoints(1).map((c) => c.step), [0]);
    store.setStatus(1, 'interrupted');
    assert.equal(store.run(1).status, 'interrupted');
    store.setStatus(1, 'diverged');
    assert.equal(store.run(1).status, 'diverged');
    assert.equal(store.forgetCheckpointsExcept(1, []), 1);
    store.close();

    const raw = new Database(file);
    raw.pragma('foreign_keys = ON');
    assert.deepEqual(raw.pragma('foreign_key_check'), []);
    raw.prepare('DELETE FROM runs WHERE id = 1').run();
    assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM steps').get() as { n: number }).n, 0, 'deleting a run still cascades');
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('processes opening a new store at the same moment each see it migrated once', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-migrate-race-'));
  try {
    const file = path.join(dir, 'runs.sqlite');
    const code = `const { RunStore } = await import(${JSON.stringify(STORE)}); const s = RunStore.open(${JSON.stringify(file)}); process.stdout.write(String(s.schemaVersion())); s.close();`;
    const outs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        return new Promise<string>((resolve) => c.on('exit', (status) => resolve(`${status}:${out}`)));
      }),
    );
    assert.deepEqual(outs, Array(4).fill(`0:${SCHEMA_VERSION}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
