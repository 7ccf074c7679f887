// The Studio in a real browser: playwright-core drives Debian's chromium (nothing is downloaded). Skipped, with a
// message, when no chromium is installed (apt-get install chromium). Screenshots go to $REFRACT_STUDIO_SHOTS when set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { RunStore } from '../../src/store/run-store.js';
import { encodeDenseMap } from '../../src/store/dense-map.js';
import { encodeGridPng } from '../../src/eval/report/png.js';
import { renderScene } from '../../src/data/shapes/render.js';
import type { Scene } from '../../src/data/shapes/types.js';
import { tinyBase, tinyRunConfig } from '../train/fixtures.js';
import { studioOn, tempRuns, withPool } from './helpers.js';
import { browser, shot, skipWithoutChromium } from './browser-helpers.js';

const skip = skipWithoutChromium;
const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

test('labeling by keyboard: ← → t s, and u undoes the last answer', { skip, timeout: 60_000 }, async () => {
  const t = tempRuns();
  withPool(t.dir, { pairs: 20, bestOf4: 0, checkEvery: 0 });
  const s = await studioOn(t.dir);
  const b = await browser();
  try {
    const token = s.db.addLabeler('kim', 'labeler');
    const page = await b.newPage();
    await page.goto(`${s.url}/label?token=${token}`);
    await page.waitForSelector('#pair img');
    await page.waitForSelector('#label-page[data-busy="false"]');
    const text = (sel: string, want: string) => page.waitForFunction(`document.querySelector(${JSON.stringify(sel)})?.textContent === ${JSON.stringify(want)}`);
    // the answer is saved and the next pair loaded (keys pressed while a request is in flight are ignored)
    const answered = async (n: number) => {
      await text('#answered', String(n));
      await page.waitForSelector('#label-page[data-busy="false"]');
    };
    const first = await page.getAttribute('#pair', 'data-pair');
    await page.keyboard.press('ArrowLeft');
    await answered(1);
    assert.notEqual(await page.getAttribute('#pair', 'data-pair'), first, 'the next pair is shown');
    await shot(page, 'label');
    await page.keyboard.press('u');
    await answered(0);
    assert.equal(await page.getAttribute('#pair', 'data-pair'), first, 'undo brings the pair back');
    await page.keyboard.press('ArrowRight');
    await answered(1);
    await page.keyboard.press('t');
    await answered(2);
    await page.keyboard.press('s');
    await text('#message', 'skipped');
    const rows = s.db.db.prepare('SELECT winner, labeler FROM preferences ORDER BY id').all() as { winner: string; labeler: string }[];
    assert.deepEqual(rows.map((r) => r.winner), ['a', 'tie'], 'the undone label is gone; right then tie remain');
    const labels = s.db.db.prepare('SELECT pair_id, choice, undone FROM studio_labels ORDER BY id').all() as { pair_id: number; choice: string; undone: number }[];
    assert.deepEqual(labels.map((l) => [l.choice, l.undone]), [['0', 1], ['1', 0], ['tie', 0], ['skip', 0]]);
    assert.equal(labels[1]!.pair_id, Number(first));
  } finally {
    await b.close();
    await s.close();
    t.cleanup();
  }
});

test('a run page\'s curves grow while a tiny run trains in another process', { skip, timeout: 120_000 }, async () => {
  const t = tempRuns();
  const { dir: baseDir, base } = tinyBase('refract-studio-live-');
  const config = { ...tinyRunConfig(base, path.join(t.dir, 'live')), iterations: 12, eval: { every: 4, perCategory: 1, samplingSteps: 2, storeSamples: 2 } };
  writeFileSync(path.join(t.dir, 'live.yaml'), YAML.stringify(config));
  const s = await studioOn(t.dir);
  const b = await browser();
  const child = spawn(process.execPath, [CLI, 'train', path.join(t.dir, 'live.yaml')], { stdio: 'ignore', env: { ...process.env, REFRACT_THREADS: '1' } });
  try {
    const store = path.join(t.dir, 'live', 'runs.sqlite');
    while (!existsSync(store)) await new Promise((r) => setTimeout(r, 100));
    const page = await b.newPage();
    await page.goto(`${s.url}/run?folder=live`);
    await page.waitForSelector('#chart-reward svg');
    const points = async () => Number(await page.getAttribute('#chart-reward', 'data-points'));
    const seen = [await points()];
    await page.waitForFunction(`document.querySelector('#run-status')?.textContent === 'finished'`, null, { timeout: 100_000 });
    await page.waitForFunction(`document.querySelector('#step-count')?.textContent === '12'`);
    seen.push(await points());
    assert.ok(seen[0]! < 12 && seen[1] === 12, `the chart grew from ${seen[0]} to ${seen[1]} points without a reload`);
    assert.ok((await page.locator('#chart-reward svg path').count()) > 0);
    await shot(page, 'run');
  } finally {
    child.kill('SIGKILL');
    await b.close();
    await s.close();
    t.cleanup();
    rmSync(baseDir, { recursive: true, force: true });
  }
});

test('the gallery shows prompts, gold verdicts and the dense-map overlay, which can be turned off', { skip, timeout: 60_000 }, async () => {
  const t = tempRuns();
  mkdirSync(path.join(t.dir, 'g'));
  const store = RunStore.open(path.join(t.dir, 'g', 'runs.sqlite'));
  const run = store.createRun({ name: 'grpo-shapes', kind: 'grpo', config: {}, seed: 0 });
  const scene: Scene = { width: 32, height: 32, objects: [{ shape: 'circle', color: 'red', cx: 12, cy: 14, size: 6 }] };
  for (let i = 0; i < 4; i++) {
    const map = Float32Array.from({ length: 32 * 32 }, (_, k) => ((k % 32) + i * 8 > 20 ? -1 : 0));
    store.addSample(run, { step: 5, prompt: `prompt ${i}`, seed: i, png: encodeGridPng([renderScene(scene)], { scale: 1 }), reward: { proxy: 0.5, gold: i % 2, components: { partial: 0.5 }, dense: { pixel_alignment: encodeDenseMap(map, 32, 32) } } });
  }
  store.close();
  const s = await studioOn(t.dir);
  const b = await browser();
  try {
    const page = await b.newPage();
    await page.goto(`${s.url}/samples?folder=g`);
    await page.waitForSelector('#gallery .sample');
    assert.equal(await page.locator('#gallery .sample').count(), 4);
    assert.equal(await page.locator('#gallery canvas.overlay').count(), 4);
    assert.deepEqual(await page.locator('#gallery .gold').allTextContents(), ['✗ fail', '✓ pass', '✗ fail', '✓ pass']);
    assert.equal(await page.locator('#gallery b').first().textContent(), 'prompt 0');
    const painted = (await page.evaluate(`(() => {
      const c = document.querySelector('canvas.overlay');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return [c.width, c.height, d[3], d[4 * 31], d[4 * 31 + 3]];
    })()`)) as number[];
    // map 0 (column 0) stays clear; the penalised −1 (column 31) is tinted red, fully
    assert.deepEqual(painted, [32, 32, 0, 230, 170]);
    await page.locator('input[type=checkbox]').click();
    assert.equal(await page.locator('#gallery canvas.overlay').count(), 0);
  } finally {
    await b.close();
    await s.close();
    t.cleanup();
  }
});
