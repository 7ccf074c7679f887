// Screenshots of every Studio page (docs/studio/*.png) over a runs folder (bench/studio-demo.ts makes one), taken by
// playwright-core driving Debian's chromium.
// Run: node dist/bench/studio-shots.js runs/studio-demo docs/studio
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startStudio } from '../src/studio/server.js';

const runs = process.argv[2] ?? 'runs/studio-demo';
const outDir = process.argv[3] ?? 'docs/studio';
mkdirSync(outDir, { recursive: true });
const studio = await startStudio({ runsDir: runs, port: 0 });
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const labeler = studio.db.hasLabeler('screenshot') ? null : studio.db.addLabeler('screenshot', 'labeler');
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const shoot = async (name: string, url: string, ready: string): Promise<void> => {
    await page.goto(`${studio.url}${url}`);
    await page.waitForSelector(ready, { timeout: 20_000 });
    await page.waitForTimeout(800); // charts finish their transition
    await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
    process.stdout.write(`${name}.png\n`);
  };
  const run = encodeURIComponent('grpo-dense');
  await shoot('runs', '/runs', '#runs');
  await shoot('run', `/run?folder=${run}`, '#chart-eval svg');
  await shoot('samples', `/samples?folder=${run}`, '#gallery .sample img');
  await shoot('compare', '/compare', 'table.compare');
  await shoot('cards', '/cards', '.studio-card');
  if (labeler !== null) await shoot('label', `/label?token=${labeler}`, '#pair img');
  await shoot('loop', `/loop?token=${studio.adminToken}`, '#jobs');
} finally {
  await browser.close();
  await studio.close();
}
