// The gallery's media in a real browser (playwright-core + Debian's chromium; skipped without it): the x̂₀ trajectory
// strips a tiny real run stored for its evaluation samples, shown under each sample with their noise levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { brightnessReward, tinyBase, tinyRunConfig } from '../train/fixtures.js';
import { studioOn, tempRuns } from './helpers.js';
import { browser, shot, skipWithoutChromium as skip } from './browser-helpers.js';

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
