// The training gate and the audit config: clear errors naming the metric or the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/load.js';
import {
  auditGate,
  AuditGateError,
  buildCard,
  checkCard,
  DEFAULT_AUDIT_THRESHOLDS,
  loadAuditConfig,
  parseAuditConfig,
  rankCards,
  type RewardCard,
} from '../../src/reliability/audit/index.js';
import type { PairEvaluation } from '../../src/reliability/audit/pairwise.js';
import type { ProbeReport } from '../../src/reliability/audit/probes.js';

function card(name: string, accuracy: number, blindness: number, disagreement?: number): RewardCard {
  const pairs = {
    pairwise: { pairs: 10, accuracy, accuracyByKind: {}, tieRate: 0, accuracyByComponent: { score: accuracy } },
    calibration: { temperature: 1, calibrationPairs: 5, testPairs: 5, eceRaw: 0.2, ece: 0.05, bins: [], binsRaw: [] },
    items: { total: new Float64Array(), components: {} },
    scale: 1,
    ...(disagreement === undefined
      ? {}
      : { disagreement: { relativeDisagreement: disagreement, onCorrect: 0, onWrong: 0 } }),
  } satisfies PairEvaluation;
  const probes: ProbeReport = {
    cases: 4,
    scale: 1,
    artifactBlindness: blindness,
    blindnessByRegion: { left: blindness, right: blindness, top: blindness, bottom: blindness },
    dropByRegion: { left: 1, right: 1, top: 1, bottom: 1 },
    coverageGap: 0,
    templateBias: 0,
    templateGap: -1,
    shiftSensitivity: 0.01,
    scores: [],
  };
  return buildCard({
    name,
    reward: { name, version: '1', components: ['score'] },
    preferenceSource: 'test',
    pairs,
    components: [],
    probes,
    thresholds: { ...DEFAULT_AUDIT_THRESHOLDS, maxRelativeDisagreement: 0.5 },
  });
}

test('auditGate passes a sound reward and blocks a weak one with every failed metric named', () => {
  const good = card('good', 0.95, 0.05);
  assert.equal(good.passed, true);
  assert.deepEqual(auditGate(good), { passed: true, overridden: false, checks: good.checks });
  assert.ok(!good.checks.some((c) => c.threshold === 'maxRelativeDisagreement'), 'not measured → not checked');

  const weak = card('weak', 0.62, 0.4, 0.9);
  assert.equal(weak.passed, false);
  assert.throws(
    () => auditGate(weak, weak.thresholds),
    (err: unknown) =>
      err instanceof AuditGateError &&
      err.failed.length === 3 &&
      /reward "weak" must pass its audit before training, got 3 failed check\(s\)/.test(err.message) &&
      /held-out pairwise accuracy 0\.620 < min 0\.800/.test(err.message) &&
      /artifact blindness 0\.400 > max 0\.200/.test(err.message) &&
      /ensemble disagreement 0\.900 > max 0\.500/.test(err.message) &&
      /override the gate/.test(err.message),
  );
  const logged: string[] = [];
  const r = auditGate(weak, weak.thresholds, { override: true, onOverride: (m) => logged.push(m) });
  assert.equal(r.overridden, true);
  assert.equal(r.passed, false);
  assert.match(logged[0]!, /\[overridden\]$/);
  const nan = { ...good, pairwise: { ...good.pairwise, accuracy: Number.NaN } };
  assert.equal(checkCard(nan, DEFAULT_AUDIT_THRESHOLDS)[0]!.passed, false, 'NaN fails');
  assert.deepEqual(
    rankCards([weak, card('mid', 0.85, 0.3), good]).map((c) => c.name),
    ['good', 'mid', 'weak'],
  );
});

test('audit config: the shipped example parses; mistakes name the field', () => {
  const cfg = loadAuditConfig('configs/audit-shapes.yaml');
  assert.deepEqual(
    cfg.rewards.map((r) => r.name),
    ['gold', 'weak_rm', 'strong_rm', 'gold_left_half', 'strong_rm_left_half', 'gold_plus_quality'],
  );
  assert.equal(cfg.rewards[2]!.preference!.pairs, 10 * cfg.rewards[1]!.preference!.pairs, 'strong RM: 10× the pairs');
  const ok = { rewards: [{ name: 'g', reward: [{ kind: 'shapes_gold' }] }] };
  const parsed = parseAuditConfig(ok);
  assert.equal(parsed.thresholds.minPairwiseAccuracy, DEFAULT_AUDIT_THRESHOLDS.minPairwiseAccuracy);
  assert.equal(parsed.preferences.source, 'synthetic');
  const bad = (raw: unknown, pattern: RegExp): void =>
    assert.throws(
      () => parseAuditConfig(raw),
      (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
    );
  bad({ rewards: [{ name: 'g' }] }, /rewards\.0.*exactly one of `reward`/);
  bad({ rewards: [{ name: 'g', reward: [{ kind: 'shapes_gold' }], preference: { pairs: 8 } }] }, /exactly one of/);
  bad({ ...ok, thresholds: { maxEce: 2 } }, /thresholds\.maxEce/);
  bad({ ...ok, thresholds: { minAccuracy: 0.5 } }, /unknown field\(s\) "minAccuracy"/);
  bad({ rewards: [{ name: 'g', reward: [{ kind: 'shapes_gold' }], demoFlaw: 'right_half' }] }, /rewards\.0\.demoFlaw/);
  bad({ rewards: [ok.rewards[0], ok.rewards[0]] }, /names must be unique/);
  bad({ ...ok, preferences: { source: 'file' } }, /preferences\.path/);
});

test('the training gate: a failing card blocks runTraining before anything is written; override lets it through', async () => {
  const { mkdtempSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { checkRewardCard } = await import('../../src/train/audit-gate.js');
  const { parseRunConfig } = await import('../../src/train/config.js');
  const { runTraining } = await import('../../src/train/trainer.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-gate-'));
  try {
    const cards = path.join(dir, 'reward-cards.json');
    writeFileSync(cards, JSON.stringify({ cards: [card('good', 0.95, 0.05), card('weak', 0.62, 0.4)] }));
    const gate = (reward: string, override = false): ReturnType<typeof checkRewardCard> =>
      checkRewardCard({ cards, reward, override, thresholds: { ...DEFAULT_AUDIT_THRESHOLDS } }, (m) => warnings.push(m));
    const warnings: string[] = [];
    assert.equal(gate('good').passed, true);
    assert.throws(() => gate('weak'), (e: unknown) => e instanceof AuditGateError && /held-out pairwise accuracy 0\.620 < min 0\.800/.test(e.message));
    const overridden = gate('weak', true);
    assert.equal(overridden.overridden, true);
    assert.equal(warnings.length, 1);
    assert.throws(() => gate('nope'), (e: unknown) => e instanceof ConfigError && /audit\.reward.*"good", "weak"/.test(e.message));
    assert.throws(
      () => checkRewardCard({ cards: path.join(dir, 'missing.json'), reward: 'good', override: false, thresholds: { ...DEFAULT_AUDIT_THRESHOLDS } }, () => undefined),
      (e: unknown) => e instanceof ConfigError && /audit\.cards/.test(e.message),
    );
    const out = path.join(dir, 'run');
    const config = parseRunConfig({ base: 'assets/base/shapes', iterations: 1, out, audit: { cards, reward: 'weak' } });
    await assert.rejects(runTraining(config), AuditGateError);
    assert.equal(existsSync(out), false, 'a blocked run writes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
