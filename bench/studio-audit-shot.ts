// docs/studio/cards-audit.png: the reward-cards page with a Studio reward model's own card and its full audit.
// A gold-known pool of 240 comparisons, a scripted labeler (gold answer flipped w.p. 0.1), a 2-member Bradley–Terry
// ensemble (150 steps each) on the labels outside the 25% held-out split, then `refract studio audit`'s work on the
// held-out labels. About a minute on one thread.
// Run: node dist/bench/studio-audit-shot.js [runs/studio-audit] [docs/studio]
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { LabelDb } from '../src/studio/label-db.js';
import { buildPool } from '../src/studio/pool.js';
import { trainLabelReward } from '../src/studio/reward-model.js';
import { auditLabelReward } from '../src/studio/audit-card.js';
import { startStudio } from '../src/studio/server.js';
import { Rng } from '../src/data/rng.js';

const runs = path.resolve(process.argv[2] ?? 'runs/studio-audit');
const outDir = process.argv[3] ?? 'docs/studio';
rmSync(runs, { recursive: true, force: true });
const db = LabelDb.open(path.join(runs, 'studio'));
try {
  buildPool(db, { pairs: 240, bestOf4: 0, checkEvery: 10, seed: 3 });
  db.addLabeler('script', 'labeler');
  const gold = new Map(db.items().map((it) => [it.id, it.gold ?? 0]));
  const rng = new Rng(5);
  for (const pair of db.pairs()) {
    const g = pair.items.map((id) => gold.get(id)!);
    const best = g.indexOf(Math.max(...g));
    db.label(`k${pair.id}`, pair.id, 'script', rng.uniform() < 0.1 ? (best + 1) % g.length : best);
  }
  const card = await trainLabelReward(db, 'rm-001', { members: 2, steps: 150, heldOutFraction: 0.25 }, (m) => console.log(m));
  console.log(JSON.stringify(card.heldOut));
  const report = await auditLabelReward(db, 'rm-001', (m) => console.log(m));
  for (const c of report.cards) console.log(c.name, c.passed, c.pairwise.accuracy, c.checks.filter((k) => !k.passed).map((k) => k.metric));
} finally {
  db.close();
}
mkdirSync(outDir, { recursive: true });
const studio = await startStudio({ runsDir: runs, port: 0 });
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${studio.url}/cards`);
  await page.waitForSelector('.studio-audit table', { timeout: 20_000 });
  await page.screenshot({ path: path.join(outDir, 'cards-audit.png'), fullPage: true });
  console.log('cards-audit.png');
} finally {
  await browser.close();
  await studio.close();
}
