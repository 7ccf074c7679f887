// Load on loopback: `labelers` concurrent scripted labelers (each its own token) submit `labels` labels in all
// through the HTTP API (GET /api/label/next, then POST /api/label), against a Studio server in its own process.
// Reports p50/p99 latency of each request kind and checks that nothing was lost or duplicated: every acknowledged
// label is in the database exactly once, no pair was labelled twice, and the preference rows match.
// Run: npx tsc && node dist/bench/studio-load.js [labelers] [labels] > bench/studio-load.json
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabelDb } from '../src/studio/label-db.js';
import { encodeGridPng } from '../src/eval/report/png.js';
import { createImage } from '../src/data/image.js';
import { writeFileSync, mkdirSync } from 'node:fs';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const LABELERS = Number(process.argv[2] ?? 50);
const LABELS = Number(process.argv[3] ?? 5000);

/** A pool of `pairs` comparisons sharing one image (the load is the API's, not image generation). */
export function loadPool(runsDir: string, pairs: number): string[] {
  const db = LabelDb.open(path.join(runsDir, 'studio'));
  try {
    mkdirSync(path.join(db.dir, 'pool'), { recursive: true });
    writeFileSync(path.join(db.dir, 'pool', 'x.png'), encodeGridPng([createImage(32, 32)], { scale: 1 }));
    db.db.transaction(() => {
      for (let i = 0; i < pairs; i++) {
        const a = db.addItem(`a red circle ${i}`, 'pool/x.png', 1);
        const b = db.addItem(`a red circle ${i}`, 'pool/x.png', 0);
        db.addPair(`a red circle ${i}`, [a, b], null, Math.random());
      }
    })();
    return Array.from({ length: LABELERS }, (_, k) => db.addLabeler(`l${k}`, 'labeler'));
  } finally {
    db.close();
  }
}

/** Starts `refract studio` on a free port in a child process; resolves with its URL and the process. */
export function startServer(runsDir: string, extra: string[] = []): Promise<{ url: string; pid: number; kill(signal: NodeJS.Signals): void; exited: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'studio', '--runs', runsDir, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/[^/\s]+)\//.exec(out);
      if (m) resolve({ url: m[1]!, pid: child.pid!, kill: (s) => child.kill(s), exited });
    });
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('exit', (code) => reject(new Error(`studio exited with ${code} before listening: ${out}`)));
  });
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function main(): Promise<void> {
  const runsDir = mkdtempSync(path.join(tmpdir(), 'refract-studio-load-'));
  try {
    const tokens = loadPool(runsDir, LABELS + LABELERS);
    const server = await startServer(runsDir);
    const lat: Record<'next' | 'label', number[]> = { next: [], label: [] };
    const acked: { key: string; pair: number }[] = [];
    let issued = 0;
    let failures = 0;
    const t0 = performance.now();
    const worker = async (k: number): Promise<void> => {
      const auth = { authorization: `Bearer ${tokens[k]}` };
      for (;;) {
        if (issued >= LABELS) return;
        issued++;
        let t = performance.now();
        const next = (await (await fetch(`${server.url}/api/label/next`, { headers: auth })).json()) as { pair: { id: number } | null };
        lat.next.push(performance.now() - t);
        if (next.pair === null) return;
        const key = `load-${k}-${issued}`;
        t = performance.now();
        const res = await fetch(`${server.url}/api/label`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ key, pair: next.pair.id, choice: 0 }) });
        lat.label.push(performance.now() - t);
        if (res.ok) acked.push({ key, pair: next.pair.id });
        else failures++;
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: LABELERS }, (_, k) => worker(k)));
    const seconds = (performance.now() - t0) / 1000;
    server.kill('SIGTERM');
    await server.exited;
    const db = LabelDb.open(path.join(runsDir, 'studio'));
    const rows = db.db.prepare('SELECT key, pair_id FROM studio_labels').all() as { key: string; pair_id: number }[];
    const prefs = (db.db.prepare('SELECT COUNT(*) AS n FROM preferences').get() as { n: number }).n;
    db.close();
    const keys = new Set(rows.map((r) => r.key));
    const lost = acked.filter((a) => !keys.has(a.key)).length;
    const duplicatedKeys = rows.length - keys.size;
    const duplicatedPairs = rows.length - new Set(rows.map((r) => r.pair_id)).size;
    const ms = (xs: number[]) => ({ n: xs.length, p50: +quantile(xs, 0.5).toFixed(2), p99: +quantile(xs, 0.99).toFixed(2), max: +Math.max(...xs).toFixed(2) });
    process.stdout.write(`${JSON.stringify({
      labelers: LABELERS, labels: LABELS, acknowledged: acked.length, failures, seconds: +seconds.toFixed(2),
      labelsPerSecond: +(acked.length / seconds).toFixed(1),
      latencyMs: { next: ms(lat.next), label: ms(lat.label) },
      stored: { labels: rows.length, preferences: prefs }, lost, duplicatedKeys, duplicatedPairs,
      machine: 'shared 2-core box, server and clients on the same cores',
    }, null, 2)}\n`);
    if (lost + duplicatedKeys + duplicatedPairs + failures > 0 || rows.length !== acked.length) process.exitCode = 1;
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
