// The c10d binding across real processes over 127.0.0.1: 2 and 3 ranks, TCPStore and FileStore, every collective,
// the store, errors carrying the op name, and a bounded wait when a peer does not answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, lastJson, runRanks } from './launch.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

function checkCollectives(results: Record<string, unknown>[], n: number): void {
  const tri = (n * (n + 1)) / 2;
  for (const r of results) {
    const rank = r['rank'] as number;
    assert.deepEqual(r['sum'], [tri, 2 * tri], `rank ${rank} allReduce sum`);
    assert.deepEqual(r['max'], [n - 1, 0], `rank ${rank} allReduce max`);
    assert.deepEqual(r['gathered'], Array.from({ length: n }, (_, k) => [k, k * 10]), `rank ${rank} allGather`);
    assert.deepEqual(r['broadcast'], [42, 43], `rank ${rank} broadcast`);
    assert.equal(r['neighbour'], `value of ${(rank + 1) % n}`);
    assert.equal(r['counterAfterBarrier'], n);
    assert.match(r['nonContiguous'] as string, /^TorchError: allReduce: .*contiguous/);
  }
}

for (const n of [2, 3]) {
  test(`${n} ranks over a TCPStore: allReduce, allGather, broadcast, barrier and the store agree`, async () => {
    const exits = await runRanks(worker, [], n, { MASTER_PORT: String(await freePort()) });
    for (const e of exits) assert.equal(e.code, 0, `rank ${e.rank}: ${e.stderr.slice(-1500)}`);
    checkCollectives(exits.map(lastJson), n);
  });
}

test('2 ranks over a FileStore', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-filestore-'));
  try {
    const exits = await runRanks(worker, [], 2, { REFRACT_TEST_FILE_STORE: path.join(dir, 'store') });
    for (const e of exits) assert.equal(e.code, 0, `rank ${e.rank}: ${e.stderr.slice(-1500)}`);
    checkCollectives(exits.map(lastJson), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a collective whose peer does not come fails after its timeout with the op name, not a hang', async () => {
  const exits = await runRanks(worker, [], 2, { MASTER_PORT: String(await freePort()), REFRACT_TEST_SCENARIO: 'timeout' });
  const r0 = lastJson(exits[0]!);
  assert.match(r0['error'] as string, /^TorchError: allReduce: .*timed out/i);
  assert.ok((r0['seconds'] as number) < 3, `rank 0 waited ${r0['seconds'] as number} s for a 500 ms timeout`);
});
