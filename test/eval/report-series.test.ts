// The report's pure reductions: d = √KL, d at evaluation steps, window means, per-timestep grouping, suite series
// (flat and nested details), topics, and the comparison panels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvaluationRow, StepRow } from '../../src/store/run-store-types.js';
import {
  distanceAtSteps,
  flattenNumbers,
  groupByTimestep,
  klDistance,
  klMetricName,
  mergeIdentical,
  metricTopic,
  movingMean,
  smoothingWindow,
  stepSeries,
  suiteBeforeAfter,
  suiteSeries,
  summarise,
} from '../../src/eval/report/report-series.js';
import { compareRunsPanels, runPoints } from '../../src/eval/report/compare-chart.js';
import { reportFigures } from '../../src/eval/report/report-figures.js';
import type { RunData } from '../../src/eval/report/run-data.js';
import { assertScalarClose } from '../helpers.js';

const evalRow = (
  step: number,
  overall: number,
  details: EvaluationRow['details'],
  suite = 'shapes_eval',
): EvaluationRow => ({
  id: step,
  runId: 1,
  step,
  suite,
  overall,
  details,
  createdAt: '',
});

test('klDistance: d = √KL, negative estimates clipped to 0, non-finite → null', () => {
  assert.equal(klDistance(0.25), 0.5);
  assert.equal(klDistance(-1e-4), 0);
  assert.equal(klDistance(NaN), null);
  assert.equal(klDistance(null), null);
  assert.equal(klMetricName(['loss', 'kl', 'klToReference']), 'klToReference');
  assert.equal(klMetricName(['loss']), undefined);
});

test('distanceAtSteps: 0 at the base, then √(mean KL since the previous evaluation)', () => {
  const kl = [
    [1, 0.01],
    [2, 0.03],
    [3, null],
    [4, 0.16],
    [5, 0.2],
  ] as const;
  const d = distanceAtSteps(
    [0, 2, 4, 6],
    kl.map(([x, y]) => [x, y]),
  );
  assert.equal(d[0], 0);
  assertScalarClose(d[1]!, Math.sqrt(0.02), 1e-12, 'd at 2');
  assertScalarClose(d[2]!, 0.4, 1e-12, 'd at 4 (step 3 has no KL)');
  assertScalarClose(d[3]!, Math.sqrt(0.2), 1e-12, 'd at 6');
  assert.deepEqual(distanceAtSteps([3], [[1, null]]), [null]);
});

test('summarise: first/last are means of a tenth of the finite values (1–10), NaN skipped', () => {
  const pts = Array.from({ length: 40 }, (_, i) => [i, i === 5 ? null : i] as [number, number | null]);
  const s = summarise(pts);
  assert.equal(s.n, 39);
  assert.equal(s.window, 4);
  assert.equal(s.first, (0 + 1 + 2 + 3) / 4);
  assert.equal(s.last, (36 + 37 + 38 + 39) / 4);
  assert.equal(s.min, 0);
  assert.equal(s.max, 39);
  assert.deepEqual(summarise([[0, null]]), { n: 0, min: null, max: null, first: null, last: null, window: 0 });
});

test('stepSeries: missing and null metrics are gaps', () => {
  const steps: StepRow[] = [
    { step: 1, metrics: { reward: 0.5 }, wallTime: 0 },
    { step: 2, metrics: { reward: null }, wallTime: 0 },
    { step: 3, metrics: {}, wallTime: 0 },
  ];
  assert.deepEqual(stepSeries(steps, 'reward'), [
    [1, 0.5],
    [2, null],
    [3, null],
  ]);
});

test('groupByTimestep: _t<k> names with ≥ 2 members group, sorted by t; others stay single', () => {
  const { groups, singles } = groupByTimestep([
    'ratio_mean_t10',
    'ratio_mean_t2',
    'ratio_max_dev_first_epoch',
    'lonely_t3',
  ]);
  assert.deepEqual([...groups.keys()], ['ratio_mean']);
  assert.deepEqual(
    groups.get('ratio_mean')!.map((g) => g.t),
    [2, 10],
  );
  assert.deepEqual(singles.sort(), ['lonely_t3', 'ratio_max_dev_first_epoch']);
});

test('suiteSeries: flat details are categories; nested `categories` split from extras; before/after rows', () => {
  const flat = suiteSeries([
    evalRow(10, 0.6, { counting: 0.5, position: 0.7 }),
    evalRow(0, 0.4, { counting: 0.3, position: 0.5 }),
  ]);
  assert.equal(flat.length, 1);
  assert.deepEqual(flat[0]!.steps, [0, 10]);
  assert.deepEqual(flat[0]!.categories.get('counting'), [
    [0, 0.3],
    [10, 0.5],
  ]);
  const ba = suiteBeforeAfter(flat[0]!);
  assert.equal(ba.beforeStep, 0);
  assert.equal(ba.afterStep, 10);
  const overall = ba.rows.find((r) => r.name === 'overall')!;
  assertScalarClose(overall.delta!, 0.2, 1e-12);

  const nested = suiteSeries([evalRow(0, 0.5, { categories: { counting: 0.5 }, heldOut: 0.25, note: 'x' }, 'gold')]);
  assert.deepEqual([...nested[0]!.categories.keys()], ['counting']);
  assert.deepEqual([...nested[0]!.extras.keys()], ['heldOut']);
  assert.deepEqual(flattenNumbers({ a: { b: 1, c: [2] }, d: 'x' }), { 'a.b': 1 });
});

test('metricTopic: names go to the section a reader looks for them in', () => {
  assert.equal(metricTopic('reward'), 'reward');
  assert.equal(metricTopic('gold_overall'), 'reward');
  assert.equal(metricTopic('kl'), 'kl');
  assert.equal(metricTopic('approx_kl'), 'kl');
  assert.equal(metricTopic('clipFraction'), 'ratio');
  assert.equal(metricTopic('ratio_mean_t3'), 'ratio');
  assert.equal(metricTopic('darkFraction'), 'image');
  assert.equal(metricTopic('diversity'), 'image');
  assert.equal(metricTopic('monitor_rollback'), 'monitor');
  assert.equal(metricTopic('gradNorm'), 'other');
});

test('compareRunsPanels: one panel per metric, one series per run; cumulative budget x', () => {
  const run = (name: string, r: number): { name: string; steps: StepRow[] } => ({
    name,
    steps: [1, 2, 3].map((step) => ({ step, metrics: { reward: r * step, samples: 8 }, wallTime: 0 })),
  });
  const spec = compareRunsPanels([run('grpo', 1), run('ddpo', 2)], [{ key: 'reward', label: 'proxy' }, { key: 'kl' }], {
    x: { metric: 'samples', cumulative: true },
  });
  assert.deepEqual(
    spec.panels.map((p) => p.title),
    ['proxy', 'kl'],
  );
  assert.deepEqual(
    spec.panels[0]!.series.map((s) => s.name),
    ['grpo', 'ddpo'],
  );
  assert.deepEqual(spec.panels[0]!.series[1]!.points, [
    [8, 2],
    [16, 4],
    [24, 6],
  ]);
  assert.deepEqual(spec.panels[1]!.series[0]!.points, [
    [8, null],
    [16, null],
    [24, null],
  ]);
  assert.throws(
    () => runPoints(run('a', 1), 'reward', { metric: 'images' }),
    /x metric "images" must be logged at every step/,
  );
  assert.throws(() => compareRunsPanels([], [{ key: 'reward' }]), /runs must be non-empty/);
});

test('reportFigures: evaluation details with categories, proxy and their own KL feed the reward and d charts', () => {
  const data: RunData = {
    runDir: '/tmp/x',
    run: {
      id: 1,
      name: 'r',
      kind: 'grpo',
      config: {},
      seed: 0,
      versions: {},
      status: 'finished',
      createdAt: '',
      updatedAt: '',
    },
    runIds: [1],
    steps: [1, 2, 3, 4].map((step) => ({ step, metrics: { reward: step / 4, kl: 0.01 * step }, wallTime: step })),
    diagnostics: [],
    monitorEvents: [],
    evaluations: [0, 4].map((step) =>
      evalRow(step, 0.5, {
        overall: 0.5,
        categories: { counting: 0.4 },
        proxy: step / 4,
        klToReference: step === 4 ? 0.09 : 0,
      }),
    ),
    samples: [],
    latestCheckpoint: null,
  };
  const figures = reportFigures(data);
  const reward = figures.find((f) => f.id === 'reward')!.chart;
  assert.equal(reward.kind, 'line');
  if (reward.kind !== 'line') return;
  assert.deepEqual(
    reward.spec.series.map((s) => s.name),
    ['proxy reward (train)', 'shapes_eval overall', 'shapes_eval proxy'],
  );
  const vsD = figures.find((f) => f.id === 'reward-vs-d')!.chart;
  if (vsD.kind !== 'line') return assert.fail('reward-vs-d must be a line chart');
  const gold = vsD.spec.series.find((s) => s.name === 'shapes_eval overall')!;
  assert.deepEqual(
    gold.points.map(([d]) => Number(d.toFixed(12))),
    [0, 0.3],
    'd from the evaluation’s own KL (√0.09)',
  );
  assert.equal(vsD.spec.connect, 'order');
  const table = suiteBeforeAfter(suiteSeries(data.evaluations)[0]!).rows.map((r) => r.name);
  assert.deepEqual(table, ['overall', 'counting', 'proxy', 'klToReference']);
});

test('movingMean, smoothingWindow, mergeIdentical', () => {
  assert.deepEqual(
    movingMean(
      [
        [0, 1],
        [1, 3],
        [2, null],
        [3, 5],
        [4, 7],
      ],
      3,
    ),
    [
      [0, 2],
      [1, 2],
      [2, null],
      [3, 6],
      [4, 6],
    ],
  );
  assert.equal(smoothingWindow(10), 3);
  assert.equal(smoothingWindow(44), 5);
  assert.equal(smoothingWindow(60), 7);
  assert.equal(smoothingWindow(10_000), 25);
  const a = { name: 'reward', points: [[1, 0.5]] as [number, number][] };
  const merged = mergeIdentical([a, { name: 'gold', points: [[1, 0.5]] }, { name: 'kl', points: [[1, 0.1]] }]);
  assert.deepEqual(
    merged.map((s) => s.name),
    ['reward = gold', 'kl'],
  );
});
