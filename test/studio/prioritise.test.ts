// The queue's re-ordering after a reward model is trained (src/studio/reward-model.ts prioritise): each acquisition
// writes the priorities its formula gives from a real (tiny) ensemble's member scores on the pool's PNGs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { LabelDb } from '../../src/studio/label-db.js';
import { buildPool } from '../../src/studio/pool.js';
import { DEFAULT_ACQUISITION, prioritise } from '../../src/studio/reward-model.js';
import { memberFeatures, memberScores, setDisagreement } from '../../src/studio/active.js';
import { labelledEvidence, learnableBald } from '../../src/studio/learnable-bald.js';
import { pairFeature } from '../../src/studio/learnability.js';
import { DEFAULT_COVERAGE, stratifiedPriorities } from '../../src/studio/coverage.js';
import { Rng } from '../../src/data/rng.js';
import { RewardEnsemble } from '../../src/rewards/preference/ensemble.js';
import { syntheticShapesPairs } from '../../src/rewards/preference/pairs.js';
import { readPngImage } from '../../src/store/preference-pairs.js';
import { tempRuns } from './helpers.js';

/** A Studio folder and a 3-member ensemble trained 4 steps on `trainedOn`; all freed after `body`. */
async function withStudio(trainedOn: Parameters<typeof RewardEnsemble.train>[0], body: (db: LabelDb, ensemble: RewardEnsemble) => void): Promise<void> {
  const t = tempRuns();
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  const ensemble = RewardEnsemble.train(trainedOn, { members: 3, steps: 4, seed: 1 });
  try {
    body(db, ensemble);
  } finally {
    await ensemble.close();
    db.close();
    t.cleanup();
  }
}

test('prioritise writes BALD (bald), std (top), a permutation (bald-mix) and leaves scores unread for random', async () => {
  await withStudio(syntheticShapesPairs({ count: 8, seed: 2 }), (db, ensemble) => {
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
  });
});

test('prioritise bald-learnable writes BALD · max(ε, L) from the out-of-bag votes on the labelled pairs; refuses other pairs', async () => {
  const trainedOn = syntheticShapesPairs({ count: 8, seed: 2 });
  const heldOut = syntheticShapesPairs({ count: 3, seed: 4 });
  await withStudio(trainedOn, (db, ensemble) => {
    buildPool(db, { pairs: 10, bestOf4: 2, checkEvery: 0, seed: 3 });
    // the evidence by hand: member k votes on labelled pair i when its resample never drew i (held-out pairs: always)
    const labelled = [...trainedOn, ...heldOut];
    const evidence = labelledEvidence(ensemble, { trainedOn, heldOut });
    labelled.forEach((p, i) => {
      const s = memberScores(ensemble, [p.chosen, p.rejected], [p.prompt.text, p.prompt.text]);
      const out = ensemble.bootstraps!.map((b, k) => [k, b.includes(i) && i < trainedOn.length] as const).filter(([, inBag]) => !inBag);
      assert.equal(evidence.votes[i], out.length, `votes of pair ${i}`);
      assert.equal(evidence.correct[i], out.reduce((c, [k]) => c + (s[k]![0]! > s[k]![1]! ? 1 : s[k]![0] === s[k]![1] ? 0.5 : 0), 0), `correct of pair ${i}`);
      const { features, hidden } = memberFeatures(ensemble, [p.chosen, p.rejected], [p.prompt.text, p.prompt.text]);
      const z = pairFeature(features, hidden, 0, 1);
      assert.ok(z.every((x, d) => Math.abs(x - evidence.features[i]![d]!) < 1e-5), `feature of pair ${i}`);
    });
    assert.ok(evidence.votes.slice(trainedOn.length).every((v) => v === 3), 'held-out labels are out of bag for every member');
    const informativeness = prioritise(db, ensemble, 'bald-learnable', 0, { trainedOn, heldOut });
    const items = db.items();
    const index = new Map(items.map((it, i) => [it.id, i]));
    const images = items.map((it) => readPngImage(path.join(db.dir, it.path)));
    const prompts = items.map((it) => it.prompt);
    const pool = db.pairs();
    const expected = learnableBald({ sets: pool.map((p) => p.items.map((id) => index.get(id)!)), scores: memberScores(ensemble, images, prompts), ...memberFeatures(ensemble, images, prompts) }, evidence);
    pool.forEach((p, s) => {
      assert.ok(Math.abs(p.priority - expected.score[s]!) < 1e-9, `pair ${p.id}: ${p.priority} vs ${expected.score[s]}`);
      assert.equal(informativeness.get(p.id), p.priority);
    });
    assert.throws(() => prioritise(db, ensemble, 'bald-learnable'), /bald-learnable must be given the labelled pairs, got none/);
    assert.throws(() => prioritise(db, ensemble, 'bald-learnable', 0, { trainedOn: heldOut, heldOut: [] }), /must get the ensemble's own training pairs, got 3 pairs for resamples of 8/);
    assert.throws(() => labelledEvidence(new RewardEnsemble(ensemble.members), { trainedOn, heldOut }), /resamples of none \(a loaded ensemble\)/);
  });
});

test('prioritise bald-stratified serves the clusters of the mean pair features in proportion, labelled pairs counting as served', async () => {
  await withStudio(syntheticShapesPairs({ count: 8, seed: 2 }), (db, ensemble) => {
    buildPool(db, { pairs: 20, bestOf4: 3, checkEvery: 0, seed: 3 });
    const labelled = db.pairs().slice(0, 4).map((p) => p.id);
    labelled.forEach((id, i) => db.label(`k-${i}`, id, 'sim', 0));
    const informativeness = prioritise(db, ensemble, 'bald-stratified', 7);
    // by hand: BALD per comparison; features = mean over its pairs of z; k-means with the same seeded stream
    const items = db.items();
    const index = new Map(items.map((it, i) => [it.id, i]));
    const images = items.map((it) => readPngImage(path.join(db.dir, it.path)));
    const prompts = items.map((it) => it.prompt);
    const scores = memberScores(ensemble, images, prompts);
    const { features, hidden } = memberFeatures(ensemble, images, prompts);
    const pool = db.pairs();
    assert.equal(pool.filter((p) => p.known === null).length, 23, 'no checks in this pool');
    const sets = pool.map((p) => p.items.map((id) => index.get(id)!));
    const bald = sets.map((s) => setDisagreement(scores, s, 'bald'));
    pool.forEach((p, s) => assert.ok(Math.abs(informativeness.get(p.id)! - bald[s]!) < 1e-12, `BALD of ${p.id}`));
    const z = sets.map((s) => {
      const pairs: Float32Array[] = [];
      for (let a = 0; a < s.length; a++) for (let b = a + 1; b < s.length; b++) pairs.push(pairFeature(features, hidden, s[a]!, s[b]!));
      return pairs[0]!.map((_, d) => pairs.reduce((x, q) => x + q[d]!, 0) / pairs.length);
    });
    const rng = new Rng(7);
    const expected = stratifiedPriorities(pool.map((p) => p.id), z, pool.map((p) => labelled.includes(p.id)), bald, () => rng.uniform(), DEFAULT_COVERAGE);
    pool.forEach((p) => assert.ok(Math.abs(p.priority - expected.priorities.get(p.id)!) < 1e-9, `priority of ${p.id}: ${p.priority} vs ${expected.priorities.get(p.id)}`));
    assert.deepEqual(labelled.map((id) => pool.find((p) => p.id === id)!.priority), [0, 0, 0, 0], 'labelled pairs are served');
    assert.deepEqual(pool.filter((p) => !labelled.includes(p.id)).map((p) => p.priority).sort((a, b) => a - b), Array.from({ length: 19 }, (_, i) => i + 1));
    for (let c = 0; c < DEFAULT_COVERAGE.clusters; c++) {
      const open = pool.map((p, s) => [p, s] as const).filter(([p, s]) => expected.cluster[s] === c && !labelled.includes(p.id));
      const byPriority = open.sort((a, b) => b[0].priority - a[0].priority).map(([, s]) => bald[s]!);
      assert.deepEqual(byPriority, [...byPriority].sort((a, b) => b - a), `cluster ${c}: highest BALD first`);
    }
  });
});
