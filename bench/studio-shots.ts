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
  // The loop page with a launched run: a 2-iteration post-training job with the labels' reward model, streamed
  // to the jobs table (the demo folder holds rm-001 and grpo-dense.yaml).
  const post = async (url: string, body: unknown): Promise<{ job: { id: number } }> => {
    const res = await fetch(`${studio.url}${url}`, { method: 'POST', headers: { authorization: `Bearer ${studio.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { job: { id: number } };
  };
  const { job } = await post('/api/launch', { rewardModel: 'rm-001', config: 'grpo-dense.yaml', iterations: 2, out: 'studio-runs/loop-shot' });
  for (let status = 'running'; status === 'running'; await new Promise((r) => setTimeout(r, 2000))) {
    const res = await fetch(`${studio.url}/api/job?id=${job.id}&token=${studio.adminToken}`, { headers: { authorization: `Bearer ${studio.adminToken}` } });
    status = ((await res.json()) as { job: { status: string } }).job.status;
  }
  await shoot('loop', `/loop?token=${studio.adminToken}`, '#jobs');
} finally {
  await browser.close();
  await studio.close();
}
