import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImage, type RGBImage } from '../../src/data/image.js';
import type { RewardBatch, RewardModel, RewardResult } from '../../src/rewards/types.js';
import type { EvalSnapshot, MonitorAction } from '../../src/train/monitor.js';
import {
  HackingMonitor,
  alarmActions,
  centredMean,
  parseMonitorConfig,
  rollbackTarget,
  slope,
  trailingMean,
  measureSnapshot,
  type MonitorMetrics,
  type SignalName,
} from '../../src/reliability/monitor/index.js';
import { ConfigError } from '../../src/config/load.js';
import { assertScalarClose } from '../helpers.js';

/** Evaluations every 10 iterations (0, 10, 20, ...) with the given signal series. */
function sequence(signals: Partial<Record<SignalName, readonly number[]>>): MonitorMetrics[] {
  const n = Math.max(...Object.values(signals).map((v) => v.length));
  return Array.from({ length: n }, (_, i) => ({
    iteration: 10 * i,
    values: Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, v[i]!])),
  }));
}

/** Feeds the sequence to a monitor; returns the iteration of every evaluation that returned actions, with them. */
function run(rawConfig: unknown, metrics: readonly MonitorMetrics[]): { iteration: number; actions: MonitorAction[] }[] {
  const monitor = new HackingMonitor(parseMonitorConfig(rawConfig));
  return metrics.flatMap((m) => {
    const actions = monitor.record(m);
    return actions.length > 0 ? [{ iteration: m.iteration, actions }] : [];
  });
}

const rising = [0, 1, 2, 3, 4, 5, 6, 7];
const goldPeak = [0.6, 0.65, 0.7, 0.68, 0.64, 0.6, 0.55, 0.5];

test('gold drop while the proxy rises fires at the first evaluation more than `drop` below the running best', () => {
  const rule = { kind: 'drop_from_best', signal: 'gold', drop: 0.05, action: { kind: 'stop' } };
  const fired = run({ rules: [rule] }, sequence({ gold: goldPeak, proxy: rising }));
  assert.equal(fired.length, 1, 'latched: fires once');
  assert.equal(fired[0]!.iteration, 40, 'best 0.70 at 20; 0.68 at 30 is within 0.05; 0.64 at 40 is not');
  assert.equal(fired[0]!.actions[0]!.kind, 'stop');
  assert.match(fired[0]!.actions[0]!.reason, /drop_from_best\(gold\) at iteration 40: gold 0\.6400 is 0\.0600 below its best 0\.7000 \(iteration 20\)/);
  const falling = rising.map((v) => -v);
  assert.deepEqual(run({ rules: [rule] }, sequence({ gold: goldPeak, proxy: falling })), [], 'not while the proxy falls too');
  const relative = { ...rule, drop: 0.05, unit: 'relative' }; // 5% of 0.70 = 0.035
  assert.equal(run({ rules: [relative] }, sequence({ gold: goldPeak, proxy: rising }))[0]!.iteration, 40);
});

test('without gold, a held-out reward giving back half its gain fires (scale-free gain_fraction)', () => {
  const rule = { kind: 'drop_from_best', signal: 'heldOut', drop: 0.5, unit: 'gain_fraction', action: { kind: 'rollback', then: 'stop' } };
  const metrics = sequence({ heldOut: [0, 1, 2, 1.5, 0.9, 0.5], proxy: rising });
  const fired = run({ rules: [rule], rollbackBy: 'heldOut', rollbackHalfWidth: 0 }, metrics);
  assert.equal(fired[0]!.iteration, 40, 'gain 2, limit 1: 0.5 below at 30 is not enough, 1.1 at 40 is');
  assert.deepEqual(fired[0]!.actions.map((a) => a.kind), ['rollback', 'stop']);
  assert.match(fired[0]!.actions[0]!.reason, /rollback to best heldOut 2\.0000 at iteration 20/);
  assert.deepEqual(fired[0]!.actions[0], { kind: 'rollback', reason: fired[0]!.actions[0]!.reason, toIteration: 20 });
  // Scaled by 100 (another reward model's units): the same evaluation fires.
  const scaled = sequence({ heldOut: [0, 100, 200, 150, 90, 50], proxy: rising });
  assert.equal(run({ rules: [rule] }, scaled)[0]!.iteration, 40);
  // A signal that never rose above its baseline cannot give back a gain.
  assert.deepEqual(run({ rules: [rule] }, sequence({ heldOut: [1, 0, -1, -2], proxy: rising })), []);
});

test('divergence: proxy slope > 0 and held-out slope < 0 over the window, for `patience` evaluations', () => {
  const metrics = sequence({ heldOut: [1, 2, 3, 3, 2.5, 2, 1.5], proxy: rising });
  const rule = { kind: 'divergence', signal: 'heldOut', window: 3, action: { kind: 'warn' } };
  assert.equal(run({ rules: [rule] }, metrics)[0]!.iteration, 40, '[2, 3, 3] has slope 0.5; [3, 3, 2.5] slope −0.25');
  assert.equal(run({ rules: [{ ...rule, patience: 2 }] }, metrics)[0]!.iteration, 50);
});

test('thresholds: diversity below half its initial value, dark fraction and KL above absolute limits', () => {
  const metrics = sequence({ diversity: [0.2, 0.18, 0.15, 0.09, 0.05], darkFraction: [0.8, 0.85, 0.9, 0.93, 0.96], kl: [0, 0.01, 0.02, 0.04, 0.08] });
  const fired = run(
    {
      rules: [
        { kind: 'below', signal: 'diversity', value: 0.5, unit: 'initial_ratio' },
        { kind: 'above', signal: 'darkFraction', value: 0.92, action: { kind: 'warn' } },
        { kind: 'above', signal: 'kl', value: 0.03, action: { kind: 'raise_kl', factor: 3 } },
      ],
    },
    metrics,
  );
  assert.deepEqual(
    fired.map((f) => [f.iteration, f.actions.map((a) => (a.kind === 'raise_kl' ? `raise_kl×${a.factor}` : a.kind))]),
    [[30, ['warn', 'warn', 'raise_kl×3']]],
  );
  assert.match(fired[0]!.actions[0]!.reason, /diversity 0\.0900 is below 0\.1000 \(0\.5 × baseline 0\.2000\)/);
});

test('warm-up, smoothing and missing signals', () => {
  const dip = sequence({ gold: [0.7, 0.5, 0.7, 0.7, 0.5, 0.5], proxy: rising });
  const rule = { kind: 'drop_from_best', signal: 'gold', drop: 0.1 };
  assert.equal(run({ rules: [rule] }, dip)[0]!.iteration, 10);
  assert.equal(run({ rules: [{ ...rule, warmup: 3 }] }, dip)[0]!.iteration, 40, 'the dip at 10 comes before the warm-up ends');
  // Trailing mean of 2: [0.7, 0.6, 0.6, 0.7, 0.6, 0.5] — the single dips stay within 0.1, two in a row do not.
  assert.equal(run({ smoothing: 2, rules: [rule] }, dip)[0]!.iteration, 50);
  assert.deepEqual(run({ rules: [rule] }, sequence({ proxy: rising })), [], 'a rule on an unmeasured signal never fires');
});

test('the rollback target is the argmax of the centred mean, earliest on ties', () => {
  const h = sequence({ gold: [0.5, 0.9, 0.6, 0.7, 0.72] });
  assert.deepEqual(rollbackTarget(h, 'gold', 0), { iteration: 10, value: 0.9 });
  const t = rollbackTarget(h, 'gold', 1)!; // centred means 0.7, 0.667, 0.733, 0.673, 0.71
  assert.equal(t.iteration, 20);
  assertScalarClose(t.value, 2.2 / 3, 1e-12);
  assert.equal(rollbackTarget(sequence({ gold: [0.3, 0.8, 0.8] }), 'gold', 0)!.iteration, 10);
  assert.equal(rollbackTarget(sequence({ proxy: [1, 2] }), 'gold', 1), null);
});

test('series helpers: trailing and centred means skip NaN, least-squares slope', () => {
  assert.deepEqual(trailingMean([1, 3, NaN, 5], 2), [1, 2, 3, 5]);
  assert.deepEqual(centredMean([1, 2, 6], 1), [1.5, 3, 4]);
  assertScalarClose(slope([1, 3, 5, 7]), 2, 1e-12);
  assert.ok(Number.isNaN(slope([1])));
});

test('alarm actions follow rule order; rollback without a measured target says so', () => {
  const base = { rule: 0, name: 'r', signal: 'gold' as const, iteration: 5, detail: 'd' };
  const acts = alarmActions([{ ...base, action: { kind: 'rollback', then: 'continue' } }, { ...base, rule: 1, action: { kind: 'stop' } }], null, 'heldOut');
  assert.deepEqual(acts.map((a) => a.kind), ['rollback', 'stop']);
  assert.match(acts[0]!.reason, /no heldOut measured/);
  assert.equal('toIteration' in acts[0]!, false, 'no target: the loop picks its best evaluation');
});

test('config: strict schema, defaults, errors name the field', () => {
  const c = parseMonitorConfig({});
  assert.equal(c.smoothing, 1);
  assert.equal(c.rollbackBy, 'gold');
  assert.deepEqual(c.rules, []);
  assert.throws(() => parseMonitorConfig({ rule: [] }), (e: unknown) => e instanceof ConfigError && /unknown field\(s\) "rule"/.test(e.message));
  assert.throws(() => parseMonitorConfig({ rules: [{ kind: 'above', signal: 'darkness', value: 1 }] }), /field "rules\.0\.signal"/);
  assert.throws(() => parseMonitorConfig({ rules: [{ kind: 'above', signal: 'kl', value: 1, action: { kind: 'raise_kl', factor: 0.5 } }] }), /rules\.0\.action\.factor/);
});

test('state dict round trip: a restored monitor keeps its history and does not fire a latched rule again', () => {
  const config = parseMonitorConfig({ rules: [{ kind: 'above', signal: 'kl', value: 0.1 }] });
  const a = new HackingMonitor(config);
  const h = sequence({ kl: [0, 0.2, 0.3, NaN] });
  assert.equal(a.record(h[0]!).length, 0);
  assert.equal(a.record(h[1]!).length, 1);
  const b = new HackingMonitor(config);
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())) as Record<string, unknown>);
  assert.equal(b.history.length, 2);
  assert.equal(b.record(h[2]!).length, 0, 'already fired');
  assert.throws(() => b.loadStateDict({ history: 1 }), /state must hold history, fired and alarms arrays/);
});

/** A reward that scores every image with `value` and reports `uncertainty`. */
function constantReward(value: number, uncertainty?: number): RewardModel {
  return {
    name: 'const',
    version: '1',
    components: ['score'],
    differentiable: false,
    async score(b: RewardBatch): Promise<RewardResult> {
      const n = b.prompts.length;
      const total = new Float32Array(n).fill(value);
      return { total, components: { score: total }, ...(uncertainty !== undefined ? { uncertainty: new Float32Array(n).fill(uncertainty) } : {}), meta: { name: 'const', version: '1' } };
    },
  };
}

test('measureSnapshot: held-out mean of means, disagreement, d = sqrt(KL), statistics and diversity of the evaluation images', async () => {
  const black = createImage(8, 8);
  const white: RGBImage = { width: 8, height: 8, data: new Float32Array(3 * 64).fill(1) };
  const snapshot: EvalSnapshot = {
    iteration: 20,
    gold: { overall: 0.75, categories: {}, heldOut: NaN, inDistribution: 0.75 },
    proxy: 3,
    proxyComponents: {},
    klToReference: 0.04,
    trainReward: 2,
    images: [black, white],
    prompts: [{ text: 'a red circle' }, { text: 'a blue square' }],
    proxyPerImage: Float32Array.from([3, 3]),
    stats: {},
  };
  const m = await measureSnapshot(snapshot, { heldOut: [constantReward(1), constantReward(2)], uncertainty: constantReward(0, 0.5), diversityPool: 8 });
  assert.equal(m.iteration, 20);
  assert.equal(m.values.gold, 0.75);
  assert.equal(m.values.heldOut, 1.5);
  assert.equal(m.values.trainProxy, 2);
  assert.equal(m.values.uncertainty, 0.5);
  assertScalarClose(m.values.sqrtKl!, 0.2, 1e-12);
  assert.equal(m.values.darkFraction, 0.5);
  assertScalarClose(m.values.diversity!, 1, 1e-6, 'one image per prompt: diversity across prompts');
  const base = await measureSnapshot({ ...snapshot, iteration: 0, klToReference: NaN, gold: undefined }, { heldOut: [], diversityPool: 8 });
  assert.equal(base.values.kl, 0, 'the base is the reference');
  assert.equal('gold' in base.values, false);
  assert.equal('heldOut' in base.values, false);
});

test('proxySignal: whileProxyRises can watch the proxy on the training samples instead of the evaluation images', () => {
  const rule = { kind: 'drop_from_best', signal: 'gold', drop: 0.05 };
  const metrics = sequence({ gold: goldPeak, proxy: rising.map((v) => -v), trainProxy: rising });
  assert.deepEqual(run({ rules: [rule] }, metrics), [], 'the evaluation proxy falls');
  assert.equal(run({ proxySignal: 'trainProxy', rules: [rule] }, metrics)[0]!.iteration, 40);
});
