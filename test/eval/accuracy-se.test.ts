// ±1 SE bands of gold accuracies: the closed forms, the prompt counts read from evaluation rows (per-prompt verdicts,
// else the run config), the band data the report's figures carry, and the band vega draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvaluationRow, JsonValue } from '../../src/store/run-store-types.js';
import { binomialSe, promptsPerCategory, stratifiedMeanSe, suiteErrors } from '../../src/eval/report/accuracy-se.js';
import { suiteSeries } from '../../src/eval/report/report-series.js';
import { reportFigures } from '../../src/eval/report/report-figures.js';
import { lineChartSvg, renderLineChart, type ChartSeries } from '../../src/eval/report/charts.js';
import type { RunData } from '../../src/eval/report/run-data.js';
import { assertScalarClose } from '../helpers.js';

const row = (step: number, overall: number, details: JsonValue, suite = 'shapes_eval'): EvaluationRow => ({
  id: step,
  runId: 1,
  step,
  suite,
  overall,
  details,
  createdAt: '',
});

/** A row as the trainer logs it: category accuracies (null for a category left out) and one 0/1 per prompt. */
function shapesRow(step: number, cats: Record<string, number | null>, perCategory: number): EvaluationRow {
  const ps = Object.values(cats).filter((p): p is number => p !== null);
  const perPrompt = ps.flatMap((p) => Array.from({ length: perCategory }, (_, k) => (k < p * perCategory ? 1 : 0)));
  return row(step, ps.reduce((a, b) => a + b, 0) / ps.length, { categories: cats, heldOut: 0.5, perPrompt });
}

test('binomialSe and stratifiedMeanSe against their closed forms', () => {
  assertScalarClose(binomialSe(0.3, 40)!, Math.sqrt((0.3 * 0.7) / 40), 1e-15);
  assert.equal(binomialSe(0, 10), 0);
  assert.equal(binomialSe(1, 10), 0);
  for (const [p, n] of [
    [null, 10],
    [0.5, null],
    [0.5, 0],
    [1.2, 10],
    [NaN, 10],
  ] as const)
    assert.equal(binomialSe(p, n), null);
  const ps = [0.2, 0.5, 0.9];
  const ns = [10, 10, 20];
  assertScalarClose(stratifiedMeanSe(ps, ns)!, Math.sqrt((0.2 * 0.8) / 10 + 0.25 / 10 + (0.9 * 0.1) / 20) / 3, 1e-15);
  // Equal counts: never above the pooled binomial SE of the mean.
  const pooled = binomialSe(0.5, 30)!;
  assert.ok(stratifiedMeanSe([0.1, 0.5, 0.9], [10, 10, 10])! <= pooled);
  assertScalarClose(stratifiedMeanSe([0.5, 0.5, 0.5], [10, 10, 10])!, pooled, 1e-15, 'equal accuracies: pooled');
  assert.equal(stratifiedMeanSe([], []), null);
  assert.equal(stratifiedMeanSe([0.5], [10, 10]), null);
});

test('promptsPerCategory: per-prompt verdicts over the categories evaluated, else the fallback', () => {
  const cats = { single_object: 1, two_objects: 0.5, counting: null, colors: 0.25, position: 0, color_attr: 0.75 };
  assert.equal(promptsPerCategory({ categories: cats, perPrompt: new Array(40).fill(1) }), 8, '5 categories evaluated');
  assert.equal(promptsPerCategory({ categories: cats, perPrompt: new Array(40).fill(1) }, 10), 8, 'stored count wins');
  assert.equal(promptsPerCategory({ categories: cats }, 10), 10);
  assert.equal(promptsPerCategory({ categories: cats }), null);
  assert.equal(promptsPerCategory({ counting: 0.5 }, 10), null, 'flat details: no categories object');
  assert.equal(promptsPerCategory(null, 10), null);
});

test('suiteErrors: a band per point from the row counts, overall from the stratified form', () => {
  const a = { single_object: 0.9, two_objects: 0.6, counting: 0.3 };
  const b = { single_object: 1, two_objects: 0.8, counting: 0.5 };
  const [s] = suiteSeries([shapesRow(0, a, 10), shapesRow(5, b, 20), row(9, 0.7, { categories: b })]);
  assert.deepEqual(s!.promptsPerCategory, [10, 20, null]);
  const se = suiteErrors(s!);
  assertScalarClose(se.categories.get('two_objects')![0]!, Math.sqrt((0.6 * 0.4) / 10), 1e-15);
  assertScalarClose(se.categories.get('two_objects')![1]!, Math.sqrt((0.8 * 0.2) / 20), 1e-15);
  assert.equal(se.categories.get('single_object')![1], 0, 'p = 1: no spread');
  assert.equal(se.categories.get('counting')![2], null, 'no count: no band');
  const expected = Math.sqrt((0.9 * 0.1 + 0.6 * 0.4 + 0.3 * 0.7) / 10) / 3;
  assertScalarClose(se.overall[0]!, expected, 1e-15);
  assert.equal(se.overall[2], null);
  // An overall that is not the mean of its categories falls back to the pooled form over all prompts.
  const [t] = suiteSeries([row(0, 0.5, { categories: a, perPrompt: new Array(30).fill(0) })]);
  assertScalarClose(suiteErrors(t!).overall[0]!, Math.sqrt(0.25 / 30), 1e-15);
});

function runData(config: JsonValue, evaluations: EvaluationRow[]): RunData {
  return {
    runDir: '/tmp/x',
    run: {
      id: 1,
      name: 'r',
      kind: 'grpo',
      config,
      seed: 0,
      versions: {},
      status: 'finished',
      createdAt: '',
      updatedAt: '',
    },
    runIds: [1],
    steps: [1, 2].map((step) => ({ step, metrics: { reward: step / 2 }, wallTime: step })),
    diagnostics: [],
    evaluations,
    monitorEvents: [],
    samples: [],
    latestCheckpoint: null,
  };
}

test('reportFigures: gold curves carry ±1 SE (stored counts, or the config for older rows); the proxy suite none', () => {
  const cats = { counting: 0.4, position: 0.7 };
  const proxy = (step: number): EvaluationRow => row(step, 0.3, { components: { gold: 0.3 } }, 'proxy');
  const figures = reportFigures(
    runData({ eval: { perCategory: 25 } }, [
      row(0, 0.55, { categories: cats }),
      shapesRow(2, cats, 10),
      proxy(0),
      proxy(2),
    ]),
  );
  const line = (id: string): readonly ChartSeries[] => {
    const c = figures.find((f) => f.id === id)!.chart;
    return c.kind === 'line' ? c.spec.series : assert.fail(`${id} must be a line chart`);
  };
  const ev = line('eval-shapes-eval');
  const counting = ev.find((s) => s.name === 'counting')!;
  assertScalarClose(counting.errors![0]!, Math.sqrt((0.4 * 0.6) / 25), 1e-15, 'config count at step 0');
  assertScalarClose(counting.errors![1]!, Math.sqrt((0.4 * 0.6) / 10), 1e-15, 'stored count at step 2');
  const overall = ev.find((s) => s.name === 'overall')!;
  assertScalarClose(overall.errors![1]!, Math.sqrt((0.4 * 0.6) / 10 + (0.7 * 0.3) / 10) / 2, 1e-15);
  const gold = line('reward').find((s) => s.name === 'shapes_eval overall')!;
  assert.deepEqual(gold.errors, overall.errors);
  assert.equal(line('reward').find((s) => s.name === 'proxy overall')!.errors, undefined);
  assert.ok(line('eval-proxy').every((s) => s.errors === undefined));
});

test('lineChartSvg draws the band as an area under its series, clipped to a fixed y domain', async () => {
  const series: ChartSeries[] = [
    {
      name: 'gold',
      points: [
        [0, 0.4],
        [1, 0.6],
        [2, 0.95],
      ],
      mark: 'line+points',
      errors: [0.3, null, 0.2],
    },
    {
      name: 'other',
      points: [
        [0, 0.5],
        [2, 0.5],
      ],
    },
  ];
  const svg = await lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'accuracy', series, yDomain: [0, 1] });
  const band = /<g class="mark-area[^>]*><path d="([^"]+)"/.exec(svg);
  assert.ok(
    band !== null && (svg.match(/class="mark-area/g) ?? []).length === 1,
    'one band, for the series with errors',
  );
  assert.equal((svg.match(/class="mark-rule role-mark/g) ?? []).length, 1, 'its whiskers');
  // The point without an error breaks the band into two pieces; 0.95 + 0.2 is clipped at 1 (the plot's top, y = 0).
  assert.equal((band[1]!.match(/M/g) ?? []).length, 2, band[1]);
  const ys = [...band[1]!.matchAll(/[-\d.]+,([-\d.]+)/g)].map((m) => Number(m[1]));
  assert.equal(Math.min(...ys), 0, band[1]);
  // Without a fixed domain the axis widens to hold the band (0.4 − 0.3 = 0.1 … 0.95 + 0.2 = 1.15).
  const free = await renderLineChart({ title: 't', xLabel: 'x', yLabel: 'accuracy', series });
  const [lo, hi] = free.domains['y']!;
  assert.ok(lo <= 0.1 && hi >= 1.15, `y domain ${lo}..${hi}`);
});
