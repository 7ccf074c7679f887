// The gallery's media in a real browser (playwright-core + Debian's chromium; skipped without it): the x̂₀ trajectory
// strips a tiny real run stored for its evaluation samples, shown under each sample with their noise levels; and the
// clips a tiny moving-shapes pretraining run stored, played as animated GIFs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { RunStore } from '../../src/store/run-store.js';
import { tinyModel } from '../pretrain/fixtures.js';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { brightnessReward, tinyBase, tinyRunConfig } from '../train/fixtures.js';
import { studioOn, tempRuns } from './helpers.js';
import { browser, shot, skipWithoutChromium as skip } from './browser-helpers.js';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

test('the samples page shows each stored sample\'s x̂₀ trajectory from a tiny real run', { skip, timeout: 120_000 }, async () => {
  const t = tempRuns();
  const { dir: baseDir, base } = tinyBase('refract-studio-traj-');
  const eval_ = { every: 2, perCategory: 1, samplingSteps: 6, storeSamples: 3, trajectorySteps: 4 };
  await runTraining(parseRunConfig(tinyRunConfig(base, path.join(t.dir, 'traj'), { iterations: 2, eval: eval_ })), { reward: brightnessReward() });
  const s = await studioOn(t.dir);
  const b = await browser();
  try {
    const page = await b.newPage({ viewport: { width: 1300, height: 800 } });
    await page.goto(`${s.url}/samples?folder=traj`);
    await page.waitForSelector('#gallery .sample');
    assert.equal(await page.locator('#gallery .sample').count(), 3, 'the last evaluation\'s 3 stored samples');
    const strips = page.locator('#gallery .trajectory img');
    assert.equal(await strips.count(), 3, 'one x̂₀ strip per sample');
    await page.waitForFunction(`[...document.querySelectorAll('#gallery .trajectory img')].every((i) => i.complete && i.naturalWidth > 0)`);
    const sizes = (await page.evaluate(`[...document.querySelectorAll('#gallery .trajectory img')].map((i) => [i.naturalWidth, i.naturalHeight])`)) as number[][];
    assert.deepEqual(sizes, Array(3).fill([4 * 64 + 5, 66]), '4 cells of 32×32 at 2× with 1-px gaps, served by /api/file');
    const labels = await page.locator('#gallery .sample').first().locator('.sigmas span').allTextContents();
    assert.deepEqual(labels, ['σ 1.00', 'σ 0.67', 'σ 0.50', 'σ 0.17'], 'steps 0, 2, 3, 5 of 6 (σ = 1 − k/6)');
    await shot(page, 'trajectory-tiny');
  } finally {
    await b.close();
    await s.close();
    t.cleanup();
    rmSync(baseDir, { recursive: true, force: true });
  }
});

test('a tiny moving-shapes pretraining run stores its evaluation clips as GIFs, and the gallery plays them', { skip, timeout: 180_000 }, async () => {
  const t = tempRuns();
  const dir = path.join(t.dir, 'video');
  const cfg = path.join(t.dir, 'video.yaml');
  writeFileSync(cfg, YAML.stringify({
    seed: 7,
    testbed: 'moving_shapes',
    model: tinyModel('moving_shapes'),
    training: { steps: 2, batchSize: 2, warmupSteps: 1, threads: 1 },
    checkpoint: { dir, every: 2, keep: 1 },
    eval: { every: 2, perCategory: 3, steps: 2, guidance: 1, storeSamples: 2 },
  }));
  const r = spawnSync(process.execPath, [CLI, 'pretrain', cfg], { encoding: 'utf8', env: { ...process.env, REFRACT_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const store = RunStore.open(path.join(dir, 'runs.sqlite'));
  const run = store.runs()[0]!;
  const samples = store.samples(run.id);
  assert.deepEqual([run.kind, run.status], ['pretrain', 'finished']);
  assert.deepEqual(store.metrics(run.id).map((m) => m.step), [1, 2], 'every step\'s loss');
  assert.deepEqual(store.evaluations(run.id).map((e) => [e.step, e.suite]), [[2, 'physics pass rate']]);
  assert.equal(samples.length, 2, 'eval.storeSamples of the 3 evaluated clips');
  for (const s of samples) {
    const [clip] = s.media;
    assert.deepEqual([clip!.kind, clip!.meta], ['clip', { frames: 8, fps: 4 }]);
    const gif = readFileSync(store.samplePath(clip!)!);
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(gif.readUInt16LE(6), 128, '32 px at 4×');
  }
  store.close();
  const s = await studioOn(t.dir);
  const b = await browser();
  try {
    const page = await b.newPage();
    await page.goto(`${s.url}/samples?folder=video`);
    await page.waitForSelector('#gallery .sample');
    const clips = page.locator('#gallery img.clip');
    assert.equal(await clips.count(), 2, 'each sample shows its clip, not its still');
    assert.match((await clips.first().getAttribute('src'))!, /-clip\.gif/);
    await page.waitForFunction(`[...document.querySelectorAll('#gallery img.clip')].every((i) => i.complete && i.naturalWidth === 128)`);
    assert.deepEqual(await page.locator('#gallery .sample').first().locator('.muted', { hasText: 'clip:' }).allTextContents(), ['clip: 8 frames at 4 fps']);
    // it plays: the element's pixels change between frames (250 ms apart); 8 looks over 2.4 s must see ≥ 2 pictures
    const seen = new Set<string>();
    for (let k = 0; k < 8; k++) {
      seen.add((await clips.first().screenshot()).toString('base64'));
      await new Promise((res) => setTimeout(res, 300));
    }
    assert.ok(seen.size >= 2, `the GIF animates (${seen.size} distinct pictures)`);
    await shot(page, 'video-tiny');
    await page.goto(`${s.url}/run?folder=video`);
    await page.waitForSelector('#chart-loss svg');
    assert.equal(await page.locator('#chart-reward').count(), 0, 'a pretrain run charts its loss, not a reward');
    const listed = await (await fetch(`${s.url}/api/runs`)).json() as { runs: { folder: string; iterations: number | null; progress: number | null }[] };
    assert.deepEqual(listed.runs.map((r) => [r.folder, r.iterations, r.progress]), [['video', 2, 1]]);
  } finally {
    await b.close();
    await s.close();
    t.cleanup();
  }
});
