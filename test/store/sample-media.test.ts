// Sample media (schema 3): a sample's trajectory strip and clip are files beside its PNG, one row each in
// sample_media, written in the sample's transaction, read back with the sample, and deleted with its run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RunStore } from '../../src/store/run-store.js';

test('media files are stored beside the sample, read back in kind order, one per kind, and cascade with the run', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-media-'));
  try {
    const store = RunStore.open(path.join(dir, 'runs.sqlite'));
    const run = store.createRun({ name: 'r', kind: 'grpo', config: {}, seed: 0 });
    const png = Uint8Array.from([1, 2, 3]);
    const gif = Uint8Array.from([71, 73, 70]);
    const strip = Uint8Array.from([9, 9]);
    const id = store.addSample(run, {
      step: 4,
      prompt: 'a red circle',
      seed: 1,
      png,
      reward: { proxy: 1 },
      media: [
        { kind: 'trajectory', ext: 'png', bytes: strip, meta: { steps: [0, 9], sigmas: [1, 0.1] } },
        { kind: 'clip', ext: 'gif', bytes: gif, meta: { frames: 8, fps: 4 } },
      ],
    });
    store.addSample(run, { step: 4, prompt: 'plain', seed: 2, png, reward: {} });
    const [s, plain] = store.samples(run);
    assert.equal(s!.id, id);
    assert.deepEqual(s!.media.map((m) => m.kind), ['clip', 'trajectory']);
    assert.deepEqual(s!.media[1]!.meta, { steps: [0, 9], sigmas: [1, 0.1] });
    assert.match(s!.media[0]!.path, new RegExp(`run-${run}[/\\\\]step-000004-${id}-clip\\.gif$`));
    assert.deepEqual([...readFileSync(store.samplePath(s!.media[0]!)!)], [...gif]);
    assert.deepEqual([...readFileSync(store.samplePath(s!.media[1]!)!)], [...strip]);
    assert.deepEqual(plain!.media, []);
    assert.throws(
      () => store.addSample(run, { step: 5, prompt: 'x', seed: 0, reward: {}, media: [{ kind: 'clip', ext: 'gif', bytes: gif }, { kind: 'clip', ext: 'gif', bytes: gif }] }),
      /media must hold at most one file per kind, got clip, clip/,
    );
    assert.equal(store.samples(run).length, 2, 'the refused sample wrote no row');
    store.close();
    const raw = new Database(path.join(dir, 'runs.sqlite'));
    raw.pragma('foreign_keys = ON');
    raw.prepare('DELETE FROM runs WHERE id = ?').run(run);
    assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM sample_media').get() as { n: number }).n, 0, 'media rows go with the run');
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
