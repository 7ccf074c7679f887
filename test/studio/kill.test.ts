// kill -9 of the server in the middle of labeling loses no acknowledged label: a real `refract studio` process is
// SIGKILLed while 8 labelers submit; the database reopens sound and holds every label the server had answered for
// (each once), and each label's preference row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabelDb } from '../../src/studio/label-db.js';
import { tempRuns, withPool } from './helpers.js';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

test('SIGKILL of the server mid-labeling loses no acknowledged label', { timeout: 60_000 }, async () => {
  const t = tempRuns('refract-studio-kill-');
  withPool(t.dir, { pairs: 400, bestOf4: 0, checkEvery: 0 });
  const db0 = LabelDb.open(path.join(t.dir, 'studio'));
  const tokens = Array.from({ length: 8 }, (_, k) => db0.addLabeler(`k${k}`, 'labeler'));
  db0.close();
  const child = spawn(process.execPath, [CLI, 'studio', '--runs', t.dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
  try {
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /at (http:\/\/[^/\s]+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    const acked: string[] = [];
    let killed = false;
    const labeler = async (k: number): Promise<void> => {
      const auth = { authorization: `Bearer ${tokens[k]}` };
      for (let i = 0; ; i++) {
        try {
          const next = (await (await fetch(`${url}/api/label/next`, { headers: auth })).json()) as { pair: { id: number } | null };
          if (next.pair === null) return;
          const key = `kill-${k}-${i}`;
          const res = await fetch(`${url}/api/label`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ key, pair: next.pair.id, choice: i % 2 }) });
          if (res.ok) acked.push(key);
          if (acked.length >= 120 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        } catch {
          return; // the server is gone
        }
      }
    };
    await Promise.all(tokens.map((_, k) => labeler(k)));
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acked.length >= 120);
    const db = LabelDb.open(path.join(t.dir, 'studio'));
    try {
      assert.equal((db.db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
      const rows = db.db.prepare('SELECT key, preference_ids FROM studio_labels').all() as { key: string; preference_ids: string }[];
      const keys = new Set(rows.map((r) => r.key));
      assert.equal(keys.size, rows.length, 'no label twice');
      const lost = acked.filter((k) => !keys.has(k));
      assert.deepEqual(lost, [], `${lost.length} acknowledged labels lost`);
      const prefs = (db.db.prepare('SELECT COUNT(*) AS n FROM preferences').get() as { n: number }).n;
      assert.equal(prefs, rows.length, 'each label kept its preference row');
    } finally {
      db.close();
    }
  } finally {
    child.kill('SIGKILL');
    t.cleanup();
  }
});
