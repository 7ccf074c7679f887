// End to end on a tiny config: cards, ranking, the planted left-half flaw caught, RM cache reuse, JSON + HTML
// output, and preference pairs read from a run-store JSONL file with PNG images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { encodeGridPng } from '../../src/eval/report/png.js';
import { syntheticShapesPairs } from '../../src/rewards/index.js';
import {
  evaluatePairs,
  parseAuditConfig,
  runAudit,
  trainOrLoadPreferenceRm,
  writeAuditOutputs,
} from '../../src/reliability/audit/index.js';
import { pairsFromPreferences } from '../../src/cli/audit.js';
import { parsePreferencesJsonl } from '../../src/store/run-store-preference-io.js';

torch.setNumThreads(1);

const GOLD = [{ kind: 'shapes_gold', options: { mode: 'strict', total: 'partial', dense: false } }];
const TINY_RM = { pairs: 12, steps: 15, members: 2, net: { channels: [4, 4, 4], hidden: 8, tokenDim: 4 } };

test('a tiny audit ranks gold first, catches the left-half flaw, caches the RM and writes JSON + HTML', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'refract-audit-'));
  try {
    const config = parseAuditConfig({
      out,
      preferences: { source: 'synthetic', count: 16, seed: 5 },
      probes: { count: 4, seed: 2 },
      rewards: [
        { name: 'gold', reward: GOLD },
        { name: 'tiny_rm', preference: TINY_RM },
        { name: 'gold_left_half', reward: GOLD, demoFlaw: 'left_half' },
      ],
    });
    const before = torch.memoryStats().liveTensors;
    const run = await runAudit(config);
    assert.equal(torch.memoryStats().liveTensors, before, 'no tensors leak (the RM is closed after its audit)');
    const [gold, rm, flawed] = run.report.cards;
    assert.equal(run.report.ranking[0], 'gold');
    assert.equal(gold!.passed, true);
    assert.equal(gold!.pairwise.accuracy, 1);
    assert.ok(
      rm!.disagreement !== undefined && rm!.disagreement.relativeDisagreement > 0,
      'ensemble disagreement reported',
    );
    assert.equal(gold!.disagreement, undefined);
    assert.deepEqual(
      gold!.components.map((c) => [c.a, c.b]),
      [['gold', 'partial']],
    );
    assert.deepEqual(
      gold!.pairwise.accuracyByComponent,
      { gold: 1, partial: 1 },
      'strict pass/fail decides every pair',
    );
    assert.equal(flawed!.passed, false);
    assert.equal(flawed!.probes.blindnessByRegion.right, 1);
    assert.ok(
      flawed!.checks.some((c) => c.threshold === 'maxCoverageGap' && !c.passed),
      'coverage check fails',
    );
    assert.equal(run.report.crossReward.length, 3);

    const cache = readdirSync(path.join(out, 'rm-cache'));
    assert.equal(cache.length, 1);
    assert.equal(readdirSync(path.join(out, 'rm-cache', cache[0]!)).length, 2, 'one file per member');
    const reloaded = trainOrLoadPreferenceRm(config.rewards[1]!.preference!, { out });
    const again = await evaluatePairs(
      reloaded,
      syntheticShapesPairs({ count: 16, seed: 5, kinds: ['contradict', 'extra'] }),
      {
        seed: 0,
        bins: 10,
      },
    );
    assert.equal(again.pairwise.accuracy, rm!.pairwise.accuracy, 'the cached RM scores as the trained one did');
    await reloaded.close();

    const files = writeAuditOutputs(run, out);
    const json = JSON.parse(readFileSync(files.cards, 'utf8')) as { cards: { name: string }[]; ranking: string[] };
    assert.deepEqual(
      json.cards.map((c) => c.name),
      ['gold', 'tiny_rm', 'gold_left_half'],
    );
    const html = readFileSync(files.html, 'utf8');
    assert.match(html, /data:image\/png;base64,/);
    for (const n of json.ranking) assert.ok(html.includes(`id="${n}"`), `${n} has a section`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('file preference sets: pairs come from JSONL + PNGs (ties skipped); without them the audit says what to do', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refract-audit-prefs-'));
  try {
    const pairs = syntheticShapesPairs({ count: 6, seed: 9, kinds: ['contradict', 'extra'] });
    const lines = pairs.map((p, i) => {
      writeFileSync(path.join(dir, `a${i}.png`), encodeGridPng([p.rejected], { scale: 1, gap: 0 }));
      writeFileSync(path.join(dir, `b${i}.png`), encodeGridPng([p.chosen], { scale: 1, gap: 0 }));
      return JSON.stringify({
        prompt: p.prompt.text,
        a_path: `a${i}.png`,
        b_path: `b${i}.png`,
        winner: 'b',
        source: 'gold',
      });
    });
    lines.push(
      JSON.stringify({ prompt: 'a circle', a_path: 'a0.png', b_path: 'b0.png', winner: 'tie', source: 'human' }),
    );
    const loaded = pairsFromPreferences(parsePreferencesJsonl(lines.join('\n'), 'test'), dir);
    assert.equal(loaded.length, 6);
    assert.deepEqual(loaded[0]!.prompt.shapes, pairs[0]!.prompt.shapes, 'prompt structure recovered from its text');
    const config = parseAuditConfig({
      out: dir,
      preferences: { source: 'file', path: path.join(dir, 'prefs.jsonl') },
      probes: { count: 2 },
      rewards: [{ name: 'gold', reward: GOLD }],
    });
    await assert.rejects(
      runAudit(config),
      /preferences\.source 'file' needs the pairs of .*prefs\.jsonl loaded by the caller/,
    );
    const run = await runAudit(config, { pairs: loaded, pairsSource: 'prefs.jsonl' });
    assert.equal(run.report.cards[0]!.pairwise.accuracy, 1, 'the gold evaluator agrees with its own labels read back');
    assert.throws(
      () =>
        pairsFromPreferences(
          [{ prompt: 'a circle', aRef: 'run1/3', bPath: 'b0.png', winner: 'a', source: 'gold' }],
          dir,
        ),
      /a_path must name an image file, got only a_ref "run1\/3"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
