// Active learning vs random pairs, through the Studio's own queue: how many labels does a simulated labeler (the
// gold answer, flipped with probability `noise`) give before a Bradley–Terry ensemble trained on them reaches
// `target` held-out pairwise accuracy (fresh, correctly labelled synthetic Shapes pairs)?
//   random: the pool's seeded random priorities, never changed;
//   active: after every batch the ensemble is retrained and the queue re-ordered by its disagreement (std over
//           members of σ(r_k(a) − r_k(b)), src/studio/active.ts) — exactly what `POST /api/reward-models` does.
// Both arms start from the same random first batch, pool, labeler noise and training seeds (paired by repeat).
// Run: npx tsc && REFRACT_THREADS=1 node dist/bench/studio-active.js [repeats] [arms] > bench/studio-active.json
//   (6 repeats of random,softrank at 140 labels: about 30 min on one shared, busy thread)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, deriveSeed } from '../src/data/rng.js';
import { LabelDb } from '../src/studio/label-db.js';
import { buildPool } from '../src/studio/pool.js';
import { LabelQueue } from '../src/studio/queue.js';
import { prioritise } from '../src/studio/reward-model.js';
import type { Acquisition } from '../src/studio/active.js';
import { loadPreferencePairs } from '../src/store/preference-pairs.js';
import { RewardEnsemble } from '../src/rewards/preference/ensemble.js';
import { heldOutPairwiseAccuracy } from '../src/rewards/preference/accuracy.js';
import { syntheticShapesPairs, type PreferencePair } from '../src/rewards/preference/pairs.js';
import * as torch from '../src/torch/index.js';

const ARMS = (process.argv[3] ?? 'random,top').split(',') as Arm[];
const O = {
  repeats: Number(process.argv[2] ?? 6),
  arms: ARMS,
  pool: 400,
  batch: 20,
  maxLabels: 140,
  /** Labels-to-target is read off each learning curve (first budget at or above the target) for each target. */
  targets: [0.75, 0.8],
  noise: 0.1,
  members: 3,
  steps: 150,
  heldOut: 300,
};

type Arm = 'random' | Acquisition;

interface Trace {
  labels: number[];
  accuracy: number[];
}

async function runArm(arm: Arm, repeat: number, heldOut: readonly PreferencePair[]): Promise<Trace> {
  const dir = mkdtempSync(path.join(tmpdir(), `refract-active-${arm}-`));
  const db = LabelDb.open(dir);
  try {
    buildPool(db, { pairs: O.pool, bestOf4: 0, checkEvery: 0, seed: deriveSeed(7, repeat) });
    const queue = new LabelQueue(db, { checkEvery: 1_000_000, leaseMs: 60_000 });
    const rng = new Rng(deriveSeed(11, repeat));
    const trace: Trace = { labels: [], accuracy: [] };
    let n = 0;
    while (n < O.maxLabels) {
      for (let i = 0; i < O.batch; i++) {
        const pair = queue.next('sim')!;
        const gold = pair.items.map((id) => db.item(id)!.gold ?? 0);
        let best = gold.indexOf(Math.max(...gold));
        if (rng.uniform() < O.noise) best = 1 - best; // the noise draw sequence is the same in both arms
        db.label(`sim-${n}-x`, pair.id, 'sim', best);
        queue.release('sim');
        n++;
      }
      const ensemble = RewardEnsemble.train(loadPreferencePairs(db.file), { members: O.members, steps: O.steps, seed: deriveSeed(13, repeat, n) });
      const acc = await heldOutPairwiseAccuracy(ensemble, heldOut);
      if (arm !== 'random') prioritise(db, ensemble, arm, deriveSeed(19, repeat, n));
      await ensemble.close();
      trace.labels.push(n);
      trace.accuracy.push(acc);
      process.stderr.write(`repeat ${repeat} ${arm}: ${n} labels → held-out accuracy ${acc.toFixed(3)}\n`);
    }
    return trace;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs: readonly number[]): number => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length);

torch.setNumThreads(1);
const t0 = performance.now();
const rows: ({ repeat: number } & Partial<Record<Arm, Trace>>)[] = [];
for (let r = 0; r < O.repeats; r++) {
  const heldOut = syntheticShapesPairs({ count: O.heldOut, seed: deriveSeed(17, r), labelNoise: 0 });
  const row: { repeat: number } & Partial<Record<Arm, Trace>> = { repeat: r };
  for (const arm of ARMS) row[arm] = await runArm(arm, r, heldOut);
  rows.push(row);
}
// A curve that never reached the target counts as maxLabels + batch (censored: a bound, said in `censored`).
const reach = (t: Trace, target: number): number | null => t.labels.find((_, i) => t.accuracy[i]! >= target) ?? null;
const labelsToTarget: Record<string, unknown> = {};
for (const target of O.targets) {
  const to = (arm: Arm): number[] => rows.map((x) => reach(x[arm]!, target) ?? O.maxLabels + O.batch);
  const entry: Record<string, unknown> = {};
  for (const arm of ARMS) entry[arm] = { mean: mean(to(arm)), se: se(to(arm)), censored: rows.filter((x) => reach(x[arm]!, target) === null).length };
  for (const arm of ARMS.filter((a) => a !== 'random')) {
    const diff = rows.map((_, i) => to('random')[i]! - to(arm)[i]!);
    entry[`random minus ${arm}`] = { mean: mean(diff), pairedSe: se(diff), n: diff.length };
  }
  labelsToTarget[String(target)] = entry;
}
// Accuracy at each label budget, and its paired difference to random (the learning curves' vertical view).
const accuracyAt: Record<string, unknown> = {};
rows[0]!.random!.labels.forEach((n, i) => {
  const entry: Record<string, unknown> = {};
  for (const arm of ARMS) entry[arm] = +mean(rows.map((x) => x[arm]!.accuracy[i]!)).toFixed(4);
  for (const arm of ARMS.filter((a) => a !== 'random')) {
    const diff = rows.map((x) => x[arm]!.accuracy[i]! - x.random!.accuracy[i]!);
    entry[`${arm} minus random`] = { mean: +mean(diff).toFixed(4), pairedSe: +se(diff).toFixed(4) };
  }
  accuracyAt[String(n)] = entry;
});
const summary = { options: O, seconds: (performance.now() - t0) / 1000, labelsToTarget, accuracyAt, rows };
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
