// The reward card's held-out set: a fixed, seeded split of the labels by prompt (never trained on), and the
// cluster-robust SE of its accuracy, checked against the formula; end to end, a reward model trained on a label
// database is judged on exactly the held-out labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { clusteredAccuracy, promptHash, splitByPrompt } from '../../src/studio/label-split.js';
import { syntheticShapesPairs, type PreferencePair } from '../../src/rewards/preference/pairs.js';
import { LabelDb } from '../../src/studio/label-db.js';
import { trainLabelReward, loadLabelReward } from '../../src/studio/reward-model.js';
import { loadPreferencePairs } from '../../src/store/preference-pairs.js';
import { pairwiseCorrect } from '../../src/rewards/preference/accuracy.js';
import { tempRuns, withPool } from './helpers.js';
import { Rng } from '../../src/data/rng.js';

function pairsOf(prompts: string[]): PreferencePair[] {
  const [template] = syntheticShapesPairs({ count: 1, seed: 1, labelNoise: 0 });
  return prompts.map((text) => ({ ...template!, prompt: { text } }));
}

test('the split is by prompt, fixed by its seed, stable as labels grow, and near the asked fraction', () => {
  const prompts = Array.from({ length: 2000 }, (_, i) => `prompt ${i % 1000}`); // every prompt twice
  const pairs = pairsOf(prompts);
  const a = splitByPrompt(pairs, 0.2, 0);
  const held = new Set(a.heldOut.map((p) => p.prompt.text));
  assert.ok(a.train.every((p) => !held.has(p.prompt.text)), 'no prompt on both sides');
  assert.equal(a.train.length + a.heldOut.length, 2000);
  const share = held.size / 1000;
  assert.ok(Math.abs(share - 0.2) < 3 * Math.sqrt(0.2 * 0.8 / 1000), `held-out share of prompts ${share}`);
  const grown = splitByPrompt(pairsOf([...prompts, 'prompt 1000', 'prompt 1001']), 0.2, 0);
  assert.deepEqual(grown.heldOut.map((p) => p.prompt.text).filter((t) => !/^prompt 100[01]$/.test(t)), a.heldOut.map((p) => p.prompt.text), 'adding labels moves no prompt');
  assert.deepEqual(splitByPrompt(pairs, 0.2, 0).heldOut.map((p) => p.prompt.text), a.heldOut.map((p) => p.prompt.text));
  const other = new Set(splitByPrompt(pairs, 0.2, 1).heldOut.map((p) => p.prompt.text));
  assert.ok([...held].filter((t) => other.has(t)).length < held.size / 2, 'another seed holds out other prompts');
  assert.ok(promptHash('x', 0) >= 0 && promptHash('x', 0) < 1);
  assert.throws(() => splitByPrompt(pairs, 0, 0), /heldOutFraction must be in \(0, 1\), got 0/);
});

test('clustered accuracy: the ratio estimator and its cluster-robust SE', () => {
  // groups a: [1, 1, 0], b: [0], c: [1, 0.5]; p = 3.5/6
  const r = clusteredAccuracy([1, 1, 0, 0, 1, 0.5], ['a', 'a', 'a', 'b', 'c', 'c']);
  const p = 3.5 / 6;
  const ss = (2 - 3 * p) ** 2 + (0 - p) ** 2 + (1.5 - 2 * p) ** 2;
  assert.equal(r.accuracy, p);
  assert.ok(Math.abs(r.se - Math.sqrt((3 / 2) * ss) / 6) < 1e-15);
  assert.equal(r.clusters, 3);
  // one pair per prompt: binomial SE times sqrt(G/(G−1))
  const flat = clusteredAccuracy([1, 0, 1, 1], ['a', 'b', 'c', 'd']);
  assert.ok(Math.abs(flat.se - Math.sqrt(0.75 * 0.25 / 4) * Math.sqrt(4 / 3)) < 1e-15);
  assert.ok(Number.isNaN(clusteredAccuracy([1, 0], ['a', 'a']).se), 'one cluster: no SE');
});

test('a Studio reward model trains only on its training labels, is carded on exactly the held-out ones, and beats chance there', { timeout: 180_000 }, async () => {
  const t = tempRuns();
  withPool(t.dir, { pairs: 240, bestOf4: 0, checkEvery: 0, seed: 3 });
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  try {
    // a scripted labeler: the gold-preferred item, flipped with probability 0.1
    db.addLabeler('ann', 'labeler');
    const gold = new Map(db.items().map((it) => [it.id, it.gold ?? 0]));
    const rng = new Rng(5);
    for (const pair of db.pairs()) {
      const g = pair.items.map((id) => gold.get(id)!);
      const best = g.indexOf(Math.max(...g));
      db.label(`k${pair.id}`, pair.id, 'ann', rng.uniform() < 0.1 ? (best + 1) % g.length : best);
    }
    const all = loadPreferencePairs(db.file);
    const card = await trainLabelReward(db, 'rm-001', { members: 2, steps: 150, heldOutFraction: 0.25, splitSeed: 0 });
    const { train, heldOut } = splitByPrompt(all, 0.25, 0);
    assert.deepEqual([card.labels, card.heldOut.n], [train.length, heldOut.length]);
    assert.equal(card.heldOut.prompts, new Set(heldOut.map((p) => p.prompt.text)).size);
    assert.match(card.heldOut.source, /held-out labels: the comparisons of \d+ prompts \(a seeded 25% split by prompt/);
    const rm = loadLabelReward(db, 'rm-001');
    try {
      const again = clusteredAccuracy(await pairwiseCorrect(rm, heldOut), heldOut.map((p) => p.prompt.text));
      assert.equal(card.heldOut.accuracy, again.accuracy, 'the card is the saved model on the held-out labels');
      assert.equal(card.heldOut.se, again.se);
    } finally {
      await rm.close();
    }
    const { accuracy, se, n } = card.heldOut;
    assert.ok(accuracy > 0.5 + 2 * se, `agreement with ${n} held-out labels ${accuracy.toFixed(3)} ± ${se.toFixed(3)} must beat chance by 2 SE`);
  } finally {
    db.close();
    t.cleanup();
  }
});

test('too few labels to split is refused before training, saying how many each side got', async () => {
  const t = tempRuns();
  withPool(t.dir, { pairs: 4, bestOf4: 0, checkEvery: 0 });
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  try {
    db.addLabeler('ann', 'labeler');
    const [first] = db.pairs();
    db.label('k1', first!.id, 'ann', 0);
    await assert.rejects(trainLabelReward(db, 'rm-001', { members: 1, steps: 5 }), /labels must give at least 2 training pairs and 1 held-out pair \(split 0.2 by prompt\), got [01] and [01] — label more/);
  } finally {
    db.close();
    t.cleanup();
  }
});
