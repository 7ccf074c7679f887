// A demo runs folder for the Studio (and its screenshots in docs/studio/): a short GRPO run of the shipped Shapes base
// with the dense gold reward and the hacking monitor, a two-arm `refract compare`, a small `refract audit`, and a
// labeling pool with two simulated labelers (gold + 10% / 30% noise) and a reward model trained on their labels.
// Run: npx tsc && REFRACT_THREADS=1 node dist/bench/studio-demo.js [runs/studio-demo]   (about 5 min on one thread)
// Then: node dist/bench/studio-shots.js runs/studio-demo docs/studio
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { Rng } from '../src/data/rng.js';
import { LabelDb } from '../src/studio/label-db.js';
import { buildPool } from '../src/studio/pool.js';
import { LabelQueue } from '../src/studio/queue.js';
import { trainLabelReward } from '../src/studio/reward-model.js';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const out = path.resolve(process.argv[2] ?? 'runs/studio-demo');
mkdirSync(out, { recursive: true });

function cli(...args: string[]): void {
  process.stdout.write(`$ refract ${args.join(' ')}\n`);
  execFileSync(process.execPath, [CLI, ...args], { stdio: 'inherit', env: { ...process.env, REFRACT_THREADS: '1' } });
}

function yaml(name: string, doc: unknown): string {
  const file = path.join(out, name);
  writeFileSync(file, YAML.stringify(doc));
  return file;
}

const eval_ = { every: 2, perCategory: 2, samplingSteps: 10, storeSamples: 12 };
if (!existsSync(path.join(out, 'grpo-dense', 'runs.sqlite'))) {
  cli('train', yaml('grpo-dense.yaml', {
    algorithm: 'grpo', seed: 0, base: 'assets/base/shapes', iterations: 8, threads: 1, out: path.join(out, 'grpo-dense'),
    prompts: { source: 'shapes' },
    rewards: [{ kind: 'shapes_gold', options: { total: 'partial', dense: true } }],
    eval: eval_, checkpoint: { every: 4, keep: 1 },
    monitor: { warmup: 1, rules: [{ kind: 'below', signal: 'diversity', value: 0.99, unit: 'initial_ratio', action: { kind: 'warn' } }] },
    grpo: { promptsPerIteration: 4, groupSize: 4, minibatchSize: 16, sampler: { steps: 10, sdeWindow: [0, 5] }, trainSteps: 2, lr: 0.00005 },
  }));
}
if (!existsSync(path.join(out, 'compare', 'compare.json'))) {
  cli('compare', yaml('compare.yaml', {
    seed: 0, base: 'assets/base/shapes', threads: 1, out: path.join(out, 'compare'), algorithms: ['grpo', 'rwr'],
    budget: { samples: 96 }, prompts: { source: 'shapes' }, rewards: [{ kind: 'shapes_gold', options: { total: 'partial' } }],
    eval: { every: 1, perCategory: 4, samplingSteps: 8 }, checkpoint: { every: 8 }, diversity: { prompts: 4, samplesPerPrompt: 2 },
    grpo: { promptsPerIteration: 4, groupSize: 8, sampler: { steps: 8 }, trainSteps: 2, lr: 0.00005 },
    rwr: { promptsPerIteration: 4, samplesPerPrompt: 8, sampler: { steps: 8 }, lr: 0.00005 },
  }));
}
if (!existsSync(path.join(out, 'audit', 'reward-cards.json'))) {
  cli('audit', yaml('audit.yaml', {
    seed: 0, out: path.join(out, 'audit'),
    preferences: { source: 'synthetic', count: 120, seed: 999, kinds: ['contradict', 'extra'] },
    probes: { count: 16, seed: 7, shift: 1, defectKinds: ['object', 'blob'] },
    rewards: [
      { name: 'gold', reward: [{ kind: 'shapes_gold', options: { mode: 'strict', total: 'partial', dense: false } }] },
      { name: 'weak_rm', preference: { pairs: 64, labelNoise: 0.1, kinds: ['contradict', 'extra'], seed: 1, members: 2, steps: 200 } },
    ],
  }));
}

const db = LabelDb.open(path.join(out, 'studio'));
try {
  if (db.pairs().length === 0) {
    buildPool(db, { pairs: 240, bestOf4: 12, checkEvery: 10, seed: 0 });
    const queue = new LabelQueue(db, { checkEvery: 10, leaseMs: 60_000 });
    const rng = new Rng(4);
    for (const [name, noise, count] of [['ana', 0.1, 120], ['ben', 0.3, 80]] as const) {
      db.addLabeler(name, 'labeler');
      for (let i = 0; i < count; i++) {
        const pair = queue.next(name);
        if (pair === null) break;
        const gold = pair.items.map((id) => db.item(id)!.gold ?? 0);
        let best = gold.indexOf(Math.max(...gold));
        if (rng.uniform() < noise) best = (best + 1) % gold.length;
        db.label(`demo-${name}-${i}`, pair.id, name, best);
        queue.release(name);
      }
    }
    await trainLabelReward(db, 'rm-001', { members: 3, steps: 300 }, (m) => process.stdout.write(`${m}\n`));
  }
} finally {
  db.close();
}
process.stdout.write(`demo runs folder: ${out}\n`);
