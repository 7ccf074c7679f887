// `refract compare` with per-algorithm reward overrides: the config validates (a bad override names its field), each
// arm's run config gets its own rewards, and a tiny-budget comparison of GRPO on the gold reward and reward backprop
// on a learned preference reward reports, per arm, the reward it optimised next to gold ShapesEval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import { ConfigError } from '../../src/config/load.js';
import { armConfig, formatCompareTable, gainStdError, loadCompareConfig, parseArms, parseCompareConfig, runCompare, withEfficiency, type CompareRow } from '../../src/train/compare.js';
import { tinyBase } from './fixtures.js';

torch.setNumThreads(1);

const GOLD = [{ kind: 'shapes_gold', options: { total: 'partial', dense: false } }];
const LEARNED = [{ kind: 'preference', options: { pairs: 32, labelNoise: 0.1, steps: 10, seed: 0, heldOutPairs: 32 } }];

function message(raw: unknown): string {
  try {
    parseCompareConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

test('reward overrides: an arm optimises its own rewards, the others the shared ones; bad overrides name the field', () => {
  const c = parseCompareConfig({
    algorithms: ['grpo', 'reward_backprop'],
    budget: { samples: 8 },
    rewards: GOLD,
    rewardOverrides: { reward_backprop: LEARNED },
  });
  assert.equal(armConfig(c, 'grpo').rewards[0]!.kind, 'shapes_gold');
  const rb = armConfig(c, 'reward_backprop');
  assert.equal(rb.rewards.length, 1);
  assert.equal(rb.rewards[0]!.kind, 'preference');
  assert.deepEqual(rb.rewards[0]!.options, LEARNED[0]!.options);
  assert.equal(parseCompareConfig({ budget: { samples: 8 } }).rewardOverrides, undefined, 'optional');

  const base = { algorithms: ['grpo', 'dpo'], budget: { samples: 8 } };
  assert.match(
    message({ ...base, rewardOverrides: { reward_backprop: LEARNED } }),
    /field "rewardOverrides\.reward_backprop" must override an algorithm listed in `algorithms` \(grpo, dpo\)/,
  );
  assert.match(message({ ...base, rewardOverrides: { ppo: GOLD } }), /rewardOverrides: unknown field\(s\) "ppo"/);
  assert.match(message({ ...base, rewardOverrides: { grpo: [] } }), /field "rewardOverrides\.grpo"/);
  assert.match(
    message({ ...base, rewardOverrides: { grpo: [{ kind: 'preference', options: { labelNoise: 0.9 } }] } }),
    /field "rewardOverrides\.grpo\.0\.options\.labelNoise"/,
  );
});

test('configs/compare-shapes.yaml: reward backprop optimises a cached learned reward at a safe lr with DRaFT-1', () => {
  const c = loadCompareConfig('configs/compare-shapes.yaml');
  assert.ok(c.algorithms.includes('reward_backprop'));
  const rb = armConfig(c, 'reward_backprop');
  assert.equal(rb.rewards[0]!.kind, 'preference');
  assert.match(JSON.stringify(rb.rewards[0]!.options), /"cache":"runs\/rm-cache"/);
  assert.equal(rb.reward_backprop.lr, 1e-5);
  assert.equal(rb.reward_backprop.method, 'draft');
  assert.equal(rb.reward_backprop.draft.k, 1);
  for (const a of c.algorithms.filter((n) => n !== 'reward_backprop')) {
    assert.equal(armConfig(c, a).rewards[0]!.kind, 'shapes_gold', `${a} optimises the gold reward`);
  }
});

test('gainStdError: the conservative binomial SE of a change in the mean of category accuracies', () => {
  // Two categories, n = 10: √((0.5·0.5 + 0.5·0.5)/10 + (0·1 + 0.2·0.8)/10) / 2 = √(0.05 + 0.016) / 2
  const se = gainStdError({ a: 0.5, b: 0 }, { a: 0.5, b: 0.2 }, 10);
  assert.ok(Math.abs(se - Math.sqrt(0.066) / 2) < 1e-12, `se ${se}`);
  assert.ok(Number.isNaN(gainStdError({}, { a: 1 }, 10)), 'no shared category: NaN');
});

test('a tiny-budget compare: GRPO on gold, reward backprop on a learned reward; gold is ShapesEval for both', async () => {
  const { dir, base } = tinyBase('refract-compare-');
  try {
    const cache = path.join(dir, 'rm-cache');
    const learned = [{ ...LEARNED[0]!, options: { ...LEARNED[0]!.options, cache } }];
    const c = parseCompareConfig({
      seed: 7,
      base,
      out: path.join(dir, 'compare'),
      threads: 1,
      algorithms: ['grpo', 'reward_backprop'],
      budget: { samples: 4 },
      extraGainTargets: [0.5],
      rewards: GOLD,
      rewardOverrides: { reward_backprop: learned },
      eval: { every: 2, perCategory: 1, samplingSteps: 2, storeSamples: 0 },
      checkpoint: { every: 2, keep: 1 },
      diversity: { prompts: 2, samplesPerPrompt: 2 },
      grpo: { promptsPerIteration: 2, groupSize: 2, minibatchSize: 4, sampler: { steps: 3 }, lr: 1e-3 },
      reward_backprop: { batchSize: 2, lr: 1e-5, sampler: { steps: 3 }, draft: { k: 1 } },
    });
    const rows = await runCompare(c);
    assert.deepEqual(rows.map((r) => [r.algorithm, r.status]), [['grpo', 'finished'], ['reward_backprop', 'finished']]);
    assert.deepEqual(rows.map((r) => r.rewards.map((s) => s.kind)), [['shapes_gold'], ['preference']]);
    for (const r of rows) {
      assert.ok(r.samples >= 4, `${r.algorithm} spent the budget (${r.samples})`);
      assert.ok(r.gold !== null && r.gold >= 0 && r.gold <= 1, `${r.algorithm} has a gold ShapesEval score (${r.gold})`);
      assert.ok(r.proxy !== null && Number.isFinite(r.proxy), `${r.algorithm} has a proxy score`);
      assert.ok(r.baseGold !== null && r.baseGold >= 0 && r.baseGold <= 1, `${r.algorithm} has the base's gold (${r.baseGold})`);
      assert.ok(Math.abs(r.goldGain! - (r.gold! - r.baseGold)) < 1e-12, 'gain = gold − base gold');
      assert.ok(r.goldGainStdError !== null && r.goldGainStdError >= 0, 'the gain has a (paired) SE');
    }
    // the reference arm against itself: 1× when it reached the target, "at least" budget/samples otherwise
    const g = rows[0]!;
    assert.deepEqual(g.efficiency, g.samplesToTarget === null ? null : { ratio: 1, atLeast: false });
    assert.equal(rows[0]!.baseGold, rows[1]!.baseGold, 'both arms start from the same base on the same eval prompts and seeds');
    assert.equal(readdirSync(cache).length, 1, 'the learned reward was trained once and cached');
    const table = formatCompareTable(rows).split('\n');
    assert.match(table[0]!, /^algorithm\s+reward\s+status\s+base gold\s+gold\s+gain ± SE\s+samples to target\s+efficiency\s+samples to \+50 \(ratio\)\s+proxy/);
    for (const r of rows) assert.deepEqual(r.extraTargets.map((t) => t.gain), [0.5], 'each row reports the extra target');
    assert.match(table[2]!, /^grpo\s+shapes_gold\s+finished/);
    assert.match(table[3]!, /^reward_backprop\s+preference\s+finished/);
    assert.match(JSON.stringify(rows), /"rewards":\[\{"kind":"preference","weight":1,"options":\{"pairs":32/);
    // --arms: a subset, resumed, is tabled from its finished run without training again
    const again = await runCompare(c, undefined, true, parseArms(c, 'reward_backprop'));
    assert.deepEqual(again.map((r) => [r.algorithm, r.runId, r.samples, r.gold]), [['reward_backprop', rows[1]!.runId, rows[1]!.samples, rows[1]!.gold]]);
    assert.throws(() => parseArms(c, 'grpo,nft'), /refract compare: --arms must list algorithms of the config \(grpo, reward_backprop\), got "nft"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withEfficiency: at every target the ratio is the reference arm samples over this arm samples, a lower bound when the reference never got there', () => {
  const row = (algorithm: 'grpo' | 'nft' | 'dpo', toTarget: number | null, extra: (number | null)[], samples = 8000): CompareRow => ({
    algorithm, rewards: [{ kind: 'shapes_gold', weight: 1 }], runId: 1, status: 'finished', gold: 0.8, baseGold: 0.7, goldGain: 0.1, goldGainStdError: 0.01,
    samplesToTarget: toTarget, efficiency: null,
    extraTargets: extra.map((samples, i) => ({ gain: [0.03, 0.05][i]!, samples, efficiency: null })),
    proxy: null, kl: null, diversity: 0.2, samples, iterations: 100, seconds: 60, out: algorithm,
  });
  const rows = withEfficiency([row('grpo', null, [4000, null]), row('nft', 2000, [500, 1000]), row('dpo', null, [8000, null])], 'grpo');
  assert.deepEqual(rows[1]!.efficiency, { ratio: 4, atLeast: true }, 'GRPO never reached +10 within its 8 000: NFT ≥ 8000/2000');
  assert.deepEqual(rows[1]!.extraTargets.map((t) => t.efficiency), [{ ratio: 8, atLeast: false }, { ratio: 8, atLeast: true }]);
  assert.deepEqual(rows[2]!.extraTargets.map((t) => t.efficiency), [{ ratio: 0.5, atLeast: false }, null], 'an arm that never got there has no ratio');
  assert.deepEqual(rows[0]!.extraTargets.map((t) => t.efficiency), [{ ratio: 1, atLeast: false }, null]);
  assert.deepEqual(withEfficiency([row('nft', 2000, [500, 1000])], 'grpo')[0]!.efficiency, null, 'no reference arm: unchanged');
});

test('the retuned compare arms (session 10) load as the compare config with one arm and one change each', () => {
  const base = loadCompareConfig('configs/compare-shapes-layout.yaml');
  const cases = [
    ['configs/compare-shapes-layout-awm-k003.yaml', 'awm', (c: ReturnType<typeof loadCompareConfig>) => c.awm.klCoefficient, 0.03],
    ['configs/compare-shapes-layout-awm-k01.yaml', 'awm', (c: ReturnType<typeof loadCompareConfig>) => c.awm.klCoefficient, 0.1],
    ['configs/compare-shapes-layout-rwr-tau1.yaml', 'rwr', (c: ReturnType<typeof loadCompareConfig>) => c.rwr.temperature, 1],
    ['configs/compare-shapes-layout-rwr-cfg1.yaml', 'rwr', (c: ReturnType<typeof loadCompareConfig>) => c.rwr.sampler.guidance, 1],
  ] as const;
  for (const [file, arm, changed, value] of cases) {
    const c = loadCompareConfig(file);
    assert.deepEqual(c.algorithms, [arm], file);
    assert.equal(changed(c), value, file);
    assert.deepEqual(c.budget, base.budget, `${file}: the same budget`);
    assert.deepEqual(c.eval, base.eval, `${file}: the same evaluation`);
    assert.deepEqual(c.monitor, base.monitor, `${file}: the same monitor rules`);
  }
});
