// A pool of a model's own samples: 4 images per prompt from the shipped Shapes base, gold-scored; comparisons only
// between images whose gold differs, checks answered by gold, a best-of-4 set per prompt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { LabelDb } from '../../src/studio/label-db.js';
import { buildModelPool } from '../../src/studio/model-pool.js';
import { tempRuns } from './helpers.js';

test('a model pool pairs same-prompt samples whose gold differs, and its checks are answered by gold', { timeout: 60_000 }, async () => {
  const t = tempRuns();
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  try {
    const r = await buildModelPool(db, { checkpoint: 'assets/base/shapes', prompts: 6, perPrompt: 4, checkEvery: 2, samplingSteps: 4, seed: 3 });
    assert.equal(r.items, 24);
    assert.ok(r.pairs > 0 && r.bestOf4 > 0, `some prompts' samples differ in gold: ${JSON.stringify(r)}`);
    const items = new Map(db.items().map((it) => [it.id, it]));
    for (const it of items.values()) {
      assert.ok(existsSync(path.join(db.dir, it.path)));
      const png = PNG.sync.read(readFileSync(path.join(db.dir, it.path)));
      assert.deepEqual([png.width, png.height], [32, 32]);
      assert.ok(it.gold !== null && it.gold >= 0 && it.gold <= 1);
    }
    const pairs = db.pairs();
    assert.equal(pairs.length, r.pairs + r.bestOf4);
    for (const p of pairs) {
      const its = p.items.map((id) => items.get(id)!);
      assert.ok(its.every((it) => it.prompt === p.prompt), 'one prompt per comparison');
      if (p.items.length === 2) assert.notEqual(its[0]!.gold, its[1]!.gold);
      if (p.known !== null) assert.equal(Number(p.known), its[0]!.gold! > its[1]!.gold! ? 0 : 1);
    }
  } finally {
    db.close();
    t.cleanup();
  }
});
