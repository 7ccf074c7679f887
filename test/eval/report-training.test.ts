// The training report from a tiny synthetic run store: what it writes, that its numbers are the logged ones, that
// runs with only some metrics (DPO without KL, NaN rewards) still report, bad input errors, and `refract report`;
// stored Shapes samples as labelled grids with gold ✓/✗, and ±1 SE bands on the gold curves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { RunStore } from '../../src/store/run-store.js';
import { encodeGridPng, writeGridPng } from '../../src/eval/report/png.js';
import { svgToPng } from '../../src/eval/report/chart-render.js';
import {
  GRID_AFTER,
  GRID_BEFORE,
  writeTrainingReport,
  type TrainingReportSummary,
} from '../../src/eval/report/training-report.js';
import { monitorActions, ReportInputError } from '../../src/eval/report/run-data.js';
import { registerReport, summaryTable } from '../../src/cli/report.js';
import type { RGBImage } from '../../src/data/image.js';
import { renderScene } from '../../src/data/shapes/render.js';
import { PNG } from 'pngjs';
import { assertScalarClose } from '../helpers.js';

const CATEGORIES = ['single_object', 'two_objects', 'counting'] as const;
const flat = (v: number): RGBImage => ({ width: 4, height: 4, data: new Float32Array(48).fill(v) });

/** A GRPO-like run: 12 iterations with reward, KL, per-timestep ratios; ShapesEval at 0, 6, 12; samples; grids. */
function grpoRun(dir: string): void {
  const store = RunStore.open(path.join(dir, 'runs.sqlite'));
  const run = store.createRun({ name: 'grpo-shapes', kind: 'grpo', config: { lr: 1e-4 }, seed: 3 });
  for (let it = 1; it <= 12; it++) {
    const diagnostics: Record<string, number> = { ratio_max_dev_first_epoch: 0, ratio_mean_t0: 1, ratio_mean_t1: 1.01 };
    if (it === 9) diagnostics['monitor_raise_kl'] = 1;
    store.logStep(
      run,
      it,
      { reward: 0.1 * it, kl: 0.01 * it, loss: it === 4 ? NaN : 1 / it, clipFraction: 0.1, darkFraction: 0.2 },
      diagnostics,
      1000 + 2 * it,
    );
  }
  for (const [step, base] of [
    [0, 0.2],
    [6, 0.5],
    [12, 0.4],
  ] as const) {
    const details = Object.fromEntries(CATEGORIES.map((c, i) => [c, base + 0.1 * i]));
    store.logEvaluation(run, { step, suite: 'shapes_eval', overall: base + 0.1, details });
  }
  for (const step of [0, 12])
    store.addSample(run, {
      step,
      prompt: 'a red <circle>',
      seed: 1,
      png: encodeGridPng([flat(step / 12)]),
      reward: { total: step / 12 },
    });
  store.setStatus(run, 'finished');
  store.close();
  writeGridPng(path.join(dir, GRID_BEFORE), [flat(0), flat(0.5)]);
  writeGridPng(path.join(dir, GRID_AFTER), [flat(1), flat(0.5)]);
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'refract-report-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'writeTrainingReport: page, summary and charts of a GRPO-like run',
  withDir(async (dir) => {
    grpoRun(dir);
    mkdirSync(path.join(dir, 'report'));
    writeFileSync(path.join(dir, 'report', 'stale.svg'), '<svg/>');
    const r = await writeTrainingReport(dir);
    const html = readFileSync(r.html, 'utf8');
    const summary = JSON.parse(readFileSync(r.json, 'utf8')) as TrainingReportSummary;

    // The numbers are the logged ones.
    assert.equal(summary.run.name, 'grpo-shapes');
    assert.equal(summary.steps.count, 12);
    assert.equal(summary.steps.wallSeconds, 22);
    const ba = summary.evaluations['shapes_eval']!;
    assert.deepEqual([ba.beforeStep, ba.afterStep], [0, 12]);
    const row = (name: string) => ba.rows.find((x) => x.name === name)!;
    assertScalarClose(row('overall').before!, 0.3, 1e-12);
    assertScalarClose(row('overall').after!, 0.5, 1e-12);
    assertScalarClose(row('counting').after!, 0.6, 1e-12);
    assert.equal(summary.kl!.metric, 'kl');
    assertScalarClose(summary.kl!.last!, 0.12, 1e-12, 'last KL (window of 1 of 12 values)');
    assertScalarClose(summary.kl!.dLast!, Math.sqrt(0.12), 1e-12);
    assert.equal(summary.metrics['loss']!.n, 11, 'the NaN loss is not counted');
    assert.deepEqual(summary.monitorActions, [{ step: 9, monitor: '', action: 'raise_kl', reason: '', outcome: '' }], 'a store without monitor events: the diagnostics');
    assert.deepEqual(summary.grids, [GRID_BEFORE, GRID_AFTER]);

    // Every chart the data supports, written and inlined; no stale file left.
    const ids = summary.figures.map((f) => f.id);
    for (const id of [
      'reward',
      'kl',
      'reward-vs-d',
      'eval-shapes-eval',
      'eval-shapes-eval-before-after',
      'ratio',
      'image',
      'training',
    ]) {
      assert.ok(ids.includes(id), `figure ${id} in ${ids.join(', ')}`);
    }
    for (const f of summary.figures) {
      assert.ok(existsSync(path.join(dir, f.svg)) && existsSync(path.join(dir, f.png!)), `${f.id} files`);
    }
    assert.ok(!existsSync(path.join(dir, 'report', 'stale.svg')), 'stale chart removed');
    const inline = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    assert.equal(inline.length, summary.figures.length);
    svgToPng(inline[0]!, { scale: 0.5 }); // well-formed XML

    // The page: sections, escaped prompt, every relative reference resolves.
    for (const id of ['reward', 'kl', 'eval', 'ratio', 'image', 'monitor', 'samples', 'metrics', 'config'])
      assert.ok(html.includes(`id="${id}"`), id);
    assert.ok(html.includes('a red &lt;circle&gt;') && !html.includes('<circle>'));
    assert.ok(!/>NaN</.test(html), 'no NaN printed');
    const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length >= 4 + 2 * summary.figures.length);
    for (const ref of refs) assert.ok(existsSync(path.join(dir, ref)), `reference ${ref} exists`);
  }),
);

test(
  'writeTrainingReport: stored Shapes samples become labelled grids with gold verdicts; gold curves get SE bands',
  withDir(async (dir) => {
    const store = RunStore.open(path.join(dir, 'runs.sqlite'));
    const run = store.createRun({ name: 'shapes', kind: 'grpo', config: { eval: { perCategory: 4 } }, seed: 0 });
    for (const step of [0, 5]) {
      const categories = { counting: 0.5, colors: step === 0 ? 0.25 : 0.75 };
      const perPrompt = [1, 1, 0, 0, 1, ...(step === 0 ? [0, 0, 0] : [1, 1, 0])];
      store.logEvaluation(run, {
        step,
        suite: 'shapes_eval',
        overall: step === 0 ? 0.375 : 0.625,
        details: { categories, perPrompt },
      });
    }
    const redCircle = renderScene({
      width: 32,
      height: 32,
      objects: [{ shape: 'circle', color: 'red', cx: 16, cy: 16, size: 6 }],
    });
    const samples: [string, RGBImage][] = [
      ['a red circle', redCircle], // ✓
      ['two circles', redCircle], // ✗: one circle
      ['a sunset over the sea', redCircle], // not a Shapes prompt: no verdict
    ];
    samples.forEach(([prompt, image], seed) =>
      // as the trainer stores them: ×4, no gap
      store.addSample(run, {
        step: 5,
        prompt,
        seed,
        png: encodeGridPng([image], { cols: 1, gap: 0 }),
        reward: { proxy: 0.5 },
      }),
    );
    store.close();
    const r = await writeTrainingReport(dir, { png: false });
    assert.deepEqual(r.summary.sampleGrids, [
      { which: 'first', step: 5, href: 'report/samples-first.png', samples: 3, judged: 2, correct: 1 },
    ]);
    const png = PNG.sync.read(readFileSync(path.join(dir, 'report', 'samples-first.png')));
    assert.equal(png.width, 3 * 100 + 4 * 8, 'three 96 px cells (32 px images read back from ×4, drawn ×3)');
    const html = readFileSync(r.html, 'utf8');
    assert.ok(
      html.includes('gold ✓ 1 of 2') && html.includes('alt="a red circle; two circles; a sunset over the sea"'),
    );
    const evalSvg = readFileSync(path.join(dir, 'report', 'eval-shapes-eval.svg'), 'utf8');
    assert.equal(
      (evalSvg.match(/class="mark-area role-mark/g) ?? []).length,
      3,
      'a band for overall and each category',
    );
    assert.ok(evalSvg.includes('±1 SE'));
  }),
);

test(
  'writeTrainingReport: a DPO-like run (no KL, NaN rewards, no evaluations) reports what it has',
  withDir(async (dir) => {
    const store = RunStore.open(path.join(dir, 'runs.sqlite'));
    const first = store.createRun({ name: 'old', kind: 'grpo', config: {}, seed: 0 });
    const run = store.createRun({ name: 'dpo', kind: 'dpo', config: { beta: 0.1 }, seed: 0 });
    for (let it = 1; it <= 5; it++)
      store.logStep(run, it, { reward: NaN, loss: 0.7 - 0.1 * it, implicitAccuracy: 0.5 + 0.05 * it });
    store.close();
    const r = await writeTrainingReport(dir, { png: false });
    assert.equal(r.summary.run.id, run, 'the newest run by default');
    assert.deepEqual(r.summary.run.runIds, [first, run]);
    assert.equal(r.summary.kl, null);
    assert.deepEqual(r.summary.evaluations, {});
    assert.equal(r.summary.metrics['reward']!.n, 0);
    assert.deepEqual(
      r.summary.figures.map((f) => f.id),
      ['training'],
    );
    assert.equal(r.summary.figures[0]!.png, undefined);
    const html = readFileSync(r.html, 'utf8');
    assert.ok(html.includes('No sample grids') && html.includes('implicitAccuracy'));
    assert.ok(!html.includes('id="kl"') && !html.includes('id="reward"'));
    const viaFile = await writeTrainingReport(path.join(dir, 'runs.sqlite'), { png: false });
    assert.equal(viaFile.html, r.html, 'the store file names its run folder');
    const older = await writeTrainingReport(dir, { runId: first, png: false });
    assert.equal(older.summary.run.name, 'old');
    assert.deepEqual(older.summary.figures, []);
  }),
);

test(
  'writeTrainingReport: bad run folders and run ids are named with the fix',
  withDir(async (dir) => {
    await assert.rejects(
      writeTrainingReport(path.join(dir, 'nope')),
      (e: unknown) =>
        e instanceof ReportInputError && /RUN_DIR must be a run folder, got ".*nope" \(not a folder\)/.test(e.message),
    );
    await assert.rejects(
      writeTrainingReport(dir),
      /RUN_DIR must contain runs\.sqlite, got ".*" without it — pass the --out folder of refract train/,
    );
    RunStore.open(path.join(dir, 'runs.sqlite')).close();
    await assert.rejects(writeTrainingReport(dir), /must hold at least one run, got none/);
    const store = RunStore.open(path.join(dir, 'runs.sqlite'));
    store.createRun({ name: 'a', kind: 'grpo', config: {}, seed: 0 });
    store.close();
    await assert.rejects(writeTrainingReport(dir, { runId: 7 }), /run id must be one of 1, got 7/);
  }),
);

test(
  'refract report RUN_DIR --json prints the paths and summary; errors become CLI errors',
  withDir(async (dir) => {
    grpoRun(dir);
    const program = new Command().exitOverride();
    registerReport(program);
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      await program.parseAsync(['node', 'refract', 'report', dir, '--json', '--no-png']);
    } finally {
      console.log = log;
    }
    const out = JSON.parse(lines[0]!) as { html: string; summary: TrainingReportSummary };
    assert.equal(out.html, path.join(dir, 'report.html'));
    assert.equal(out.summary.evaluations['shapes_eval']!.afterStep, 12);
    // The table printed without --json (rendering the report again would only repeat the work above).
    const table = summaryTable(out.summary);
    assert.match(table, /shapes_eval overall \(it 0→12\)\s+0\.3\s+0\.5/);
    assert.match(table, /KL \(kl\) \/ d at end/);
    await assert.rejects(program.parseAsync(['node', 'refract', 'report', path.join(dir, 'missing')]), {
      name: 'CliError',
      message: /^refract report: RUN_DIR must be a run folder/,
    });
    await assert.rejects(
      program.parseAsync(['node', 'refract', 'report', dir, '--run', 'x']),
      /--run must be a positive integer run id, got "x"/,
    );
  }),
);

test('monitorActions: the monitor events with their rules; a store from before them falls back to the monitor_<kind> diagnostics', () => {
  const event = { runId: 1, step: 4, monitor: 'hacking', action: 'rollback', reason: 'gold-drop at iteration 4: …', outcome: 'rolled back to the best evaluation (iteration 2)', createdAt: 'x' };
  const diagnostics = [
    { step: 4, name: 'monitor_rollback', value: 1 },
    { step: 4, name: 'monitor_rollback_to', value: 2 },
    { step: 3, name: 'monitor_warn', value: 0 },
    { step: 5, name: 'weightNorm', value: 3 },
  ];
  assert.deepEqual(monitorActions([event], diagnostics), [{ step: 4, monitor: 'hacking', action: 'rollback', reason: 'gold-drop at iteration 4: …', outcome: 'rolled back to the best evaluation (iteration 2)' }]);
  assert.deepEqual(monitorActions([], diagnostics), [{ step: 4, monitor: '', action: 'rollback', reason: '', outcome: '' }], 'rollback_to is a target, not an alarm; zero is no alarm');
});
