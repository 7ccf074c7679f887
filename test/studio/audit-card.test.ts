// The full `refract audit` card of a reward model trained in the Studio: audited on exactly its held-out labels, with
// the gold evaluator beside it; written into the model's folder, where /api/cards (the reward-cards page) finds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LabelDb } from '../../src/studio/label-db.js';
import { trainLabelReward, rewardModelDir } from '../../src/studio/reward-model.js';
import { auditLabelReward } from '../../src/studio/audit-card.js';
import { splitByPrompt } from '../../src/studio/label-split.js';
import { loadPreferencePairs } from '../../src/store/preference-pairs.js';
import { call, studioOn, tempRuns, withPool } from './helpers.js';

test('a Studio reward model gets the full audit card on its held-out labels, shown by /api/cards', { timeout: 180_000 }, async () => {
  const t = tempRuns();
  withPool(t.dir, { pairs: 60, bestOf4: 0, checkEvery: 0, seed: 3 });
  const db = LabelDb.open(path.join(t.dir, 'studio'));
  try {
    db.addLabeler('ann', 'labeler');
    const gold = new Map(db.items().map((it) => [it.id, it.gold ?? 0]));
    for (const pair of db.pairs()) {
      const g = pair.items.map((id) => gold.get(id)!);
      db.label(`k${pair.id}`, pair.id, 'ann', g.indexOf(Math.max(...g))); // the gold answer
    }
    const card = await trainLabelReward(db, 'rm-001', { members: 1, steps: 40, heldOutFraction: 0.3, splitSeed: 2 });
    const report = await auditLabelReward(db, 'rm-001');
    const { heldOut } = splitByPrompt(loadPreferencePairs(db.file), 0.3, 2);
    assert.deepEqual(report.cards.map((c) => c.name), ['gold', 'rm-001']);
    assert.equal(report.pairs, heldOut.length);
    assert.equal(report.preferenceSource, card.heldOut.source);
    const gcard = report.cards[0]!;
    // the strict gold evaluator scores a noisy or blurred render like the clean one (a tie counts ½), where the
    // pool's answers rank the clean one first: it agrees with the gold-given labels often, not always
    assert.ok(gcard.pairwise.accuracy > 0.6 && gcard.pairwise.accuracy < 1, `gold reference agreement ${gcard.pairwise.accuracy}`);
    const rm = report.cards[1]!;
    assert.ok(Math.abs(rm.pairwise.accuracy - card.heldOut.accuracy) < 1e-9, 'the audit\'s accuracy is the Studio card\'s, on the same labels');
    assert.ok(rm.checks.length > 0 && Number.isFinite(rm.probes.artifactBlindness), 'probes and threshold checks ran');
    const written = path.join(rewardModelDir(db, 'rm-001'), 'reward-cards.json');
    assert.ok(existsSync(written) && existsSync(path.join(rewardModelDir(db, 'rm-001'), 'audit.html')));
    assert.deepEqual((JSON.parse(readFileSync(written, 'utf8')) as { ranking: string[] }).ranking.sort(), ['gold', 'rm-001']);
  } finally {
    db.close();
  }
  const s = await studioOn(t.dir);
  try {
    const cards = await call<{ audits: { folder: string; data: { cards: { name: string }[] } }[]; studio: { folder: string }[] }>(`${s.url}/api/cards`);
    const folder = path.join('studio', 'reward-models', 'rm-001');
    assert.deepEqual(cards.body.studio.map((c) => c.folder), [folder]);
    assert.deepEqual(cards.body.audits.map((a) => [a.folder, a.data.cards.map((c) => c.name)]), [[folder, ['gold', 'rm-001']]]);
    const missing = await call(`${s.url}/api/audits`, { method: 'POST', token: s.adminToken, body: { rewardModel: 'rm-009' } });
    assert.equal(missing.status, 404, 'an unknown model is refused before a worker starts');
    assert.match(missing.body.error ?? '', /reward model must be one trained in this Studio, got "rm-009"/);
  } finally {
    await s.close();
    t.cleanup();
  }
});
