// Screenshots of the Studio gallery's media from the shipped bases (docs/studio/trajectory.png, video.png):
// (1) one GRPO iteration of assets/base/shapes whose evaluations store each sample's x̂₀ trajectory (6 of 20 steps);
// (2) a one-step fine-tune of assets/base/moving-shapes with `refract pretrain`, whose evaluation stores 8 clips as
// animated GIFs (the screenshot catches one frame of each). Small: about a minute on one thread.
// Run: node dist/bench/studio-media-shots.js [runs/studio-media] [docs/studio]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import YAML from 'yaml';
import { chromium } from 'playwright-core';
import { parseRunConfig } from '../src/train/config.js';
import { runTraining } from '../src/train/trainer.js';
import { startStudio } from '../src/studio/server.js';

const runs = path.resolve(process.argv[2] ?? 'runs/studio-media');
const outDir = process.argv[3] ?? 'docs/studio';
rmSync(runs, { recursive: true, force: true });
mkdirSync(runs, { recursive: true });

await runTraining(
  parseRunConfig({
    algorithm: 'grpo',
    seed: 0,
    base: 'assets/base/shapes',
    out: path.join(runs, 'grpo-trajectory'),
    iterations: 1,
    threads: 1,
    eval: { every: 1, perCategory: 1, samplingSteps: 20, storeSamples: 6, trajectorySteps: 6 },
    grpo: { promptsPerIteration: 2, groupSize: 2, minibatchSize: 4, sampler: { steps: 4 } },
  }),
);

const video = path.join(runs, 'video.yaml');
writeFileSync(
  video,
  YAML.stringify({
    seed: 0,
    testbed: 'moving_shapes',
    init: 'assets/base/moving-shapes',
    training: { steps: 1, batchSize: 2, lr: 1e-6, warmupSteps: 0, threads: 1 },
    checkpoint: { dir: path.join(runs, 'moving-shapes'), every: 1, keep: 0 },
    eval: { every: 1, perCategory: 8, steps: 20, guidance: 3, storeSamples: 8 },
  }),
);
const cli = spawnSync(process.execPath, ['dist/src/cli/main.js', 'pretrain', video], { stdio: 'inherit' });
if (cli.status !== 0) throw new Error(`refract pretrain exited ${cli.status}`);

mkdirSync(outDir, { recursive: true });
const studio = await startStudio({ runsDir: runs, port: 0 });
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 800 } });
  for (const [name, folder, ready] of [
    ['trajectory', 'grpo-trajectory', '#gallery .trajectory img'],
    ['video', 'moving-shapes', '#gallery img.clip'],
  ] as const) {
    await page.goto(`${studio.url}/samples?folder=${folder}`);
    await page.waitForSelector(ready, { timeout: 20_000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
    process.stdout.write(`${name}.png\n`);
  }
} finally {
  await browser.close();
  await studio.close();
}
