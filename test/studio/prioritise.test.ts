// The queue's re-ordering after a reward model is trained (src/studio/reward-model.ts prioritise): each acquisition
// writes the priorities its formula gives from a real (tiny) ensemble's member scores on the pool's PNGs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { LabelDb } from '../../src/studio/label-db.js';
import { buildPool } from '../../src/studio/pool.js';
import { DEFAULT_ACQUISITION, prioritise } from '../../src/studio/reward-model.js';
import { memberScores, setDisagreement } from '../../src/studio/active.js';
import { RewardEnsemble } from '../../src/rewards/preference/ensemble.js';
import { syntheticShapesPairs } from '../../src/rewards/preference/pairs.js';
import { readPngImage } from '../../src/store/preference-pairs.js';
import { tempRuns } from './helpers.js';

test('prioritise writes BALD (bald), std (top), a permutation (bald-mix) and leaves scores unread for random', async () => {
  const t = tempRuns();
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  const ensemble = RewardEnsemble.train(syntheticShapesPairs({ count: 8, seed: 2 }), { members: 3, steps: 4, seed: 1 });
  try {
    buildPool(db, { pairs: 12, bestOf4: 2, checkEvery: 0, seed: 3 });
    const items = db.items();
    const index = new Map(items.map((it, i) => [it.id, i]));
    const scores = memberScores(ensemble, items.map((it) => readPngImage(path.join(db.dir, it.path))), items.map((it) => it.prompt));
    const priorities = (): Map<number, number> => new Map(db.pairs().map((p) => [p.id, p.priority]));
    for (const measure of ['bald', 'std'] as const) {
      prioritise(db, ensemble, measure === 'bald' ? 'bald' : 'top');
      for (const p of db.pairs()) {
        const expected = setDisagreement(scores, p.items.map((id) => index.get(id)!), measure);
        assert.ok(Math.abs(p.priority - expected) < 1e-6, `${measure} of pair ${p.id}: ${p.priority} vs ${expected}`);
      }
    }
    prioritise(db, ensemble, 'bald-mix', 5);
    assert.deepEqual([...priorities().values()].sort((a, b) => a - b), Array.from({ length: 14 }, (_, i) => i + 1), 'ranks 1..14');
    prioritise(db, ensemble, 'random', 5);
    const a = priorities();
    prioritise(db, ensemble, 'random', 6);
    assert.notDeepEqual(priorities(), a, 'a fresh seeded random order');
    assert.ok([...a.values()].every((v) => v >= 0 && v < 1));
    assert.equal(DEFAULT_ACQUISITION, 'random', 'the measured default (bench/studio-active-bald.json)');
  } finally {
    await ensemble.close();
    db.close();
    t.cleanup();
  }
});
