// Chart helpers: the SVG is well-formed (resvg's strict XML parser accepts it and rasterises it), names its series,
// its axes cover the data, and NaN points are gaps — never drawn at 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import {
  chartPanelsSvg,
  groupedBarChartSvg,
  lineChartSvg,
  renderChartPanels,
  renderLineChart,
} from '../../src/eval/report/charts.js';
import { svgToPng, writeChartFiles } from '../../src/eval/report/chart-render.js';

/** Throws unless `svg` parses as XML (resvg rejects malformed markup) and rasterises to a non-empty PNG. */
function assertWellFormed(svg: string): void {
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const png = PNG.sync.read(svgToPng(svg, { scale: 1 }));
  assert.ok(png.width > 100 && png.height > 100, `raster ${png.width}×${png.height} too small`);
}

/** The `d` attributes of the line paths drawn in the given colour. */
function linePaths(svg: string, colour: string): string[] {
  return [...svg.matchAll(new RegExp(`<path d="(M[^"]*)" stroke="${colour}" stroke-width="2"`, 'g'))].map((m) => m[1]!);
}

test('lineChartSvg: well-formed, names every series (escaped), axes cover the data', async () => {
  const series = [
    {
      name: 'proxy <reward> & co',
      points: [
        [0, -0.25],
        [5, 0.4],
        [10, 1.75],
      ] as const,
    },
    {
      name: 'gold',
      points: [
        [0, 0.1],
        [10, 0.6],
      ] as const,
      mark: 'line+points' as const,
      dashed: true,
    },
  ];
  const r = await renderLineChart({ title: 'Reward', xLabel: 'step', yLabel: 'reward', series });
  assertWellFormed(r.svg);
  assert.ok(r.svg.includes('proxy &lt;reward&gt; &amp; co'), 'escaped series name in the legend');
  assert.ok(r.svg.includes('>gold</text>'));
  assert.ok(r.svg.includes('>Reward</text>') && r.svg.includes('>step</text>') && r.svg.includes('>reward</text>'));
  const [x0, x1] = r.domains['x']!;
  const [y0, y1] = r.domains['y']!;
  assert.ok(x0 <= 0 && x1 >= 10, `x domain [${x0}, ${x1}] must cover [0, 10]`);
  assert.ok(y0 <= -0.25 && y1 >= 1.75, `y domain [${y0}, ${y1}] must cover [-0.25, 1.75]`);
  assert.ok(r.svg.includes('stroke-dasharray="6,3"'), 'the dashed series is dashed');
});

test('lineChartSvg: NaN and null are gaps, not zeros', async () => {
  const points = [
    [0, 1],
    [1, 2],
    [2, NaN],
    [3, 2],
    [4, null],
    [5, 1.5],
    [6, Infinity],
  ] as const;
  const r = await renderLineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points }] });
  assertWellFormed(r.svg);
  const [y0, y1] = r.domains['y']!;
  assert.ok(y0 >= 1 && y1 <= 2, `y domain [${y0}, ${y1}] must not be stretched to 0 or ∞ by the gaps`);
  const [d] = linePaths(r.svg, '#4c78a8');
  assert.ok(d !== undefined, 'the series is drawn');
  assert.equal(d.match(/M/g)!.length, 3, `three runs of finite points → three sub-paths, got ${d}`);
  assert.ok(!r.svg.includes('NaN'), 'no NaN coordinates in the SVG');
});

test('lineChartSvg: a series with no finite value gives an empty, labelled chart', async () => {
  const svg = await lineChartSvg({
    title: 'KL',
    xLabel: 'step',
    yLabel: 'kl',
    series: [
      {
        name: 'kl',
        points: [
          [1, NaN],
          [2, NaN],
        ],
      },
    ],
  });
  assertWellFormed(svg);
  assert.ok(svg.includes('no finite values'));
});

test('lineChartSvg: connect "order" joins points in the given order (trajectories in d = √KL)', async () => {
  const points = [
    [0, 0],
    [2, 1],
    [1, 2],
  ] as const;
  const byX = linePaths(
    await lineChartSvg({ title: 't', xLabel: 'd', yLabel: 'r', series: [{ name: 'a', points }] }),
    '#4c78a8',
  );
  const byOrder = linePaths(
    await lineChartSvg({ title: 't', xLabel: 'd', yLabel: 'r', connect: 'order', series: [{ name: 'a', points }] }),
    '#4c78a8',
  );
  assert.notEqual(byX[0], byOrder[0]);
});

test('chartPanelsSvg: one legend, same colour for a series name in every panel, panel titles present', async () => {
  const run = (a: number): [number, number][] => [
    [0, a],
    [1, 2 * a],
    [2, 3 * a],
  ];
  const r = await renderChartPanels({
    title: 'compare',
    columns: 2,
    panels: [
      {
        title: 'reward',
        xLabel: 'step',
        yLabel: 'r',
        series: [
          { name: 'grpo', points: run(1) },
          { name: 'ddpo', points: run(2) },
        ],
      },
      {
        title: 'kl',
        xLabel: 'step',
        yLabel: 'kl',
        series: [
          { name: 'ddpo', points: run(0.01) },
          { name: 'grpo', points: run(0.1) },
        ],
      },
      { title: 'gold', xLabel: 'step', yLabel: 'g', series: [{ name: 'grpo', points: run(5) }] },
    ],
  });
  assertWellFormed(r.svg);
  for (const t of ['>reward</text>', '>kl</text>', '>gold</text>', '>grpo</text>', '>ddpo</text>'])
    assert.ok(r.svg.includes(t), t);
  assert.equal(r.svg.split('>grpo</text>').length - 1, 1, 'one shared legend');
  assert.equal(linePaths(r.svg, '#4c78a8').length, 3, 'grpo (first name) is blue in all three panels');
  assert.equal(linePaths(r.svg, '#f58518').length, 2, 'ddpo is orange in both its panels');
  const yDomains = Object.entries(r.domains).filter(([k]) => k.endsWith('_y'));
  assert.equal(yDomains.length, 3, `independent y per panel, got ${Object.keys(r.domains).join(', ')}`);
  assert.ok(
    yDomains.some(([, [, hi]]) => hi >= 15),
    'the gold panel covers 15',
  );
  await assert.rejects(chartPanelsSvg({ panels: [] }), /panels must be non-empty/);
});

test('groupedBarChartSvg: categories and series named; length mismatch rejected', async () => {
  const svg = await groupedBarChartSvg({
    title: 'ShapesEval',
    yLabel: 'accuracy',
    categories: ['single_object', 'counting'],
    series: [
      { name: 'before', values: [0.5, null] },
      { name: 'after', values: [0.9, 0.4] },
    ],
    yDomain: [0, 1],
  });
  assertWellFormed(svg);
  for (const t of ['single_object', 'counting', '>before<', '>after<']) assert.ok(svg.includes(t), t);
  await assert.rejects(
    groupedBarChartSvg({ title: 't', yLabel: 'y', categories: ['a', 'b'], series: [{ name: 's', values: [1] }] }),
    /series "s" must have one value per category \(2\), got 1/,
  );
});

test('writeChartFiles writes the SVG and a PNG beside it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-charts-'));
  try {
    const svg = await lineChartSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [1, 2],
          ],
        },
      ],
    });
    const files = writeChartFiles(path.join(dir, 'curves', 'a'), svg);
    assert.equal(readFileSync(files.svg, 'utf8'), svg);
    assert.ok(files.png !== undefined);
    const png = PNG.sync.read(readFileSync(files.png));
    assert.ok(png.width > 400, `PNG at 2× is wider than 400 px, got ${png.width}`);
    assert.equal(writeChartFiles(path.join(dir, 'b'), svg, { png: false }).png, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lineChartSvg: colourOf draws a series in another one’s colour and leaves it out of the legend', async () => {
  const raw = {
    name: 'reward',
    points: [
      [0, 1],
      [1, 3],
      [2, 2],
    ] as const,
    opacity: 0.3,
  };
  const mean = {
    name: 'reward (mean)',
    points: [
      [0, 2],
      [1, 2],
      [2, 2.5],
    ] as const,
    colourOf: 'reward',
  };
  const other = {
    name: 'gold',
    points: [
      [0, 0],
      [2, 1],
    ] as const,
  };
  const svg = await lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [raw, mean, other] });
  assertWellFormed(svg);
  assert.ok(!svg.includes('reward (mean)'), 'not in the legend');
  assert.equal(linePaths(svg, '#4c78a8').length, 2, 'raw and mean both in the first colour');
  assert.ok(svg.includes('stroke="#4c78a8" stroke-width="2" opacity="0.3"'), 'the raw line is faint');
});

test('lineChartSvg: a log axis leaves values ≤ 0 out as gaps', async () => {
  const r = await renderLineChart({
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    yScale: 'log',
    series: [
      {
        name: 'a',
        points: [
          [0, 0.01],
          [1, 0],
          [2, -1],
          [3, 10],
        ],
      },
    ],
  });
  assertWellFormed(r.svg);
  const [y0, y1] = r.domains['y']!;
  assert.ok(y0 > 0 && y0 <= 0.01 && y1 >= 10, `log y domain [${y0}, ${y1}] covers [0.01, 10] and stays > 0`);
  assert.ok(!r.svg.includes('NaN'));
});
