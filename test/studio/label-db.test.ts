// The label database and the queue: labels and their preference rows in one transaction, retries not duplicated,
// undo, best-of-4, known-answer checks every N-th answer with per-labeler agreement, leases, priority order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { LabelDb } from '../../src/studio/label-db.js';
import { LabelQueue } from '../../src/studio/queue.js';
import { loadPreferencePairs } from '../../src/store/preference-pairs.js';
import { tempRuns, withPool } from './helpers.js';

function open(): { db: LabelDb; cleanup(): void } {
  const t = tempRuns();
  withPool(t.dir);
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  return { db, cleanup: () => (db.close(), t.cleanup()) };
}

test('a pairwise label writes one preference row the DPO/reward-model reader loads; a retried key writes nothing', () => {
  const { db, cleanup } = open();
  try {
    db.addLabeler('ann', 'labeler');
    const pair = db.pairs().find((p) => p.known === null && p.items.length === 2)!;
    const r = db.label('key-00001', pair.id, 'ann', 1);
    assert.equal(r.preferenceIds.length, 1);
    const again = db.label('key-00001', pair.id, 'ann', 0);
    assert.equal(again.duplicate, true);
    assert.deepEqual(again.preferenceIds, r.preferenceIds);
    const rows = db.db.prepare('SELECT * FROM preferences').all() as { winner: string; a_path: string; labeler: string; source: string }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.a_path, db.item(pair.items[1]!)!.path, 'the chosen item is side a');
    assert.deepEqual([rows[0]!.winner, rows[0]!.labeler, rows[0]!.source], ['a', 'ann', 'human']);
    const pairs = loadPreferencePairs(db.file);
    assert.equal(pairs.length, 1);
    assert.equal(pairs[0]!.prompt.text, pair.prompt);
  } finally {
    cleanup();
  }
});

test('best-of-4 writes the chosen item over each other one; tie and skip; undo deletes the newest label only', () => {
  const { db, cleanup } = open();
  try {
    db.addLabeler('bo', 'labeler');
    const set = db.pairs().find((p) => p.items.length === 4)!;
    assert.equal(db.label('key-best4', set.id, 'bo', 2).preferenceIds.length, 3);
    assert.throws(() => db.label('key-tie4x', set.id, 'bo', 'tie'), /choice must be an item index for best-of-4/);
    const [p1, p2] = db.pairs().filter((p) => p.known === null && p.items.length === 2);
    db.label('key-tie01', p1!.id, 'bo', 'tie');
    db.label('key-skip1', p2!.id, 'bo', 'skip');
    const count = () => (db.db.prepare('SELECT COUNT(*) AS n FROM preferences').get() as { n: number }).n;
    assert.equal(count(), 4);
    assert.equal(db.undo('bo'), p2!.id); // the skip
    assert.equal(db.undo('bo'), p1!.id); // the tie
    assert.equal(count(), 3);
    assert.equal(db.undo('bo'), set.id);
    assert.equal(count(), 0);
    assert.equal(db.undo('bo'), null);
  } finally {
    cleanup();
  }
});

test('every N-th answer is a known-answer check; agreement counts right and wrong answers per labeler', () => {
  const { db, cleanup } = open();
  try {
    db.addLabeler('cy', 'labeler');
    const q = new LabelQueue(db, { checkEvery: 3, leaseMs: 60_000 });
    const served: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const p = q.next('cy')!;
      served.push(p.known !== null);
      // answer checks wrongly once, rightly once
      const choice = p.known !== null ? (served.filter(Boolean).length === 1 ? 1 - Number(p.known) : Number(p.known)) : 0;
      db.label(`key-cy-${i}xx`, p.id, 'cy', choice);
      q.release('cy');
    }
    assert.deepEqual(served, [false, false, true, false, false, true]);
    const a = db.agreement().find((x) => x.labeler === 'cy')!;
    assert.deepEqual([a.labels, a.checks, a.correct], [4, 2, 1]);
    assert.equal((db.db.prepare('SELECT COUNT(*) AS n FROM preferences').get() as { n: number }).n, 4, 'checks write no preference');
  } finally {
    cleanup();
  }
});

test('the queue serves the highest priority first, leases a pair to one labeler, and repeats it until answered', () => {
  const { db, cleanup } = open();
  try {
    const ordinary = db.pairs().filter((p) => p.known === null);
    db.setPriorities(new Map(ordinary.map((p, i) => [p.id, i === 5 ? 10 : i === 7 ? 9 : 0])));
    const q = new LabelQueue(db, { checkEvery: 1000, leaseMs: 60_000 });
    const a = q.next('a')!;
    assert.equal(a.id, ordinary[5]!.id);
    assert.equal(q.next('a')!.id, a.id, 'asking again returns the leased pair');
    assert.equal(q.next('b')!.id, ordinary[7]!.id, 'another labeler gets the next one');
    assert.equal(q.next('c', Date.now() + 120_000)!.id, a.id, 'an expired lease is served again');
  } finally {
    cleanup();
  }
});
