// The loop closed on the shipped Shapes base, through the Studio's HTTP API: a scripted labeler answers every
// comparison of a gold-known pool from the gold evaluator with 10% noise → the admin trains a Bradley–Terry ensemble
// on the labels → a GRPO run of assets/base/shapes with that ensemble as its only reward (worker process, hacking
// monitor on) → ShapesEval before and after on the same prompts and seeds (paired SE over prompts).
// Run: npx tsc && REFRACT_THREADS=1 node dist/bench/studio-loop.js [iterations] [synthetic|model] [grpo|grpo-anchored|nft] [replicate]
//        > bench/studio-loop[-model][-nft].json
// [replicate] (default 0) changes the pool's seed, the labeler's noise and the run's seed.
// `nft` post-trains with DiffusionNFT instead (the demo's settings: 8 prompts × 16, CFG-free 10-step rollouts, κ 1).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { Rng } from '../src/data/rng.js';
import { LabelDb } from '../src/studio/label-db.js';
import { buildPool } from '../src/studio/pool.js';
import { buildModelPool } from '../src/studio/model-pool.js';
import { startStudio } from '../src/studio/server.js';
import { RunStore } from '../src/store/run-store.js';

const ITERATIONS = Number(process.argv[2] ?? 30);
/** 'synthetic': clean renders vs perturbed ones (pool.ts); 'model': the base's own samples, gold-scored (model-pool.ts). */
const POOL = (process.argv[3] ?? 'synthetic') as 'synthetic' | 'model';
/** The post-training algorithm the launched run uses. */
const ARM = (process.argv[4] ?? 'grpo') as 'grpo' | 'grpo-anchored' | 'nft';
const ALGORITHM = ARM === 'grpo-anchored' ? 'grpo' : ARM;
/** A replicate: another pool (its prompts and seeds), other labeler noise and another training seed. */
const REPLICATE = Number(process.argv[5] ?? 0);
const O = { algorithm: ARM, replicate: REPLICATE, poolKind: POOL, pool: 600, modelPrompts: 200, noise: 0.1, members: 3, steps: 400, perCategory: 40, iterations: ITERATIONS };

async function json<T>(url: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const out = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`${url}: ${res.status} ${out.error}`);
  return out;
}

async function waitJob(url: string, token: string, id: number): Promise<{ status: string; result: unknown; log: string[] }> {
  for (;;) {
    const { job } = await json<{ job: { status: string; result: unknown; log: string[]; progress: unknown } }>(`${url}/api/job?id=${id}`, token);
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const runs = mkdtempSync(path.join(tmpdir(), 'refract-studio-loop-'));
const db = LabelDb.open(path.join(runs, 'studio'));
if (POOL === 'model') process.stderr.write(`model pool: ${JSON.stringify(await buildModelPool(db, { checkpoint: 'assets/base/shapes', prompts: O.modelPrompts, perPrompt: 4, seed: 21 + REPLICATE }))}\n`);
else buildPool(db, { pairs: O.pool, bestOf4: 0, checkEvery: 10, seed: 21 + REPLICATE });
const gold = new Map(db.items().map((it) => [it.id, it.gold ?? 0]));
db.close();
const SECTIONS = {
  grpo: { promptsPerIteration: 8, groupSize: 8, minibatchSize: 16, sampler: { steps: 10, guidance: 3, noiseLevel: 0.7, sdeWindow: [0, 5] }, trainSteps: 3, clipRange: 0.001, klCoefficient: 0.01, lr: 0.00005, gradClip: 1 },
  // GRPO anchored as the shipped BYO-generator recipe (examples/pytorch-generator/grpo.yaml): κ 0.1, lr 3e-5
  'grpo-anchored': { promptsPerIteration: 8, groupSize: 8, minibatchSize: 16, sampler: { steps: 10, guidance: 3, noiseLevel: 0.7, sdeWindow: [0, 5] }, trainSteps: 3, clipRange: 0.001, klCoefficient: 0.1, lr: 0.00003, gradClip: 1 },
  nft: { promptsPerIteration: 8, groupSize: 16, sampler: { steps: 10, guidance: 1 }, timesteps: { distribution: 'grid', perSample: 4 }, advantageStd: 'global', klCoefficient: 1, lr: 0.0001, minibatchSize: 32, gradClip: 1 },
};
writeFileSync(path.join(runs, `${ALGORITHM}.yaml`), YAML.stringify({
  algorithm: ALGORITHM, seed: REPLICATE, base: path.resolve('assets/base/shapes'), iterations: O.iterations, threads: 1,
  prompts: { source: 'shapes' },
  rewards: [{ kind: 'shapes_gold' }], // replaced by the Studio's reward model (TrainingHooks.reward)
  eval: { every: O.iterations, perCategory: O.perCategory, samplingSteps: 10, storeSamples: 8 },
  checkpoint: { every: O.iterations, keep: 1 },
  [ALGORITHM]: SECTIONS[ARM],
}));
const t0 = performance.now();
const studio = await startStudio({ runsDir: runs, port: 0, rateLimit: 1_000_000 }); // one scripted labeler, faster than a person
try {
  const admin = studio.adminToken;
  const { token } = await json<{ token: string }>(`${studio.url}/api/labelers`, admin, { name: 'script' });
  const rng = new Rng(9 + REPLICATE);
  let labels = 0;
  for (;;) {
    const { pair } = await json<{ pair: { id: number; items: { id: number }[] } | null }>(`${studio.url}/api/label/next`, token);
    if (pair === null) break;
    const g = pair.items.map((it) => gold.get(it.id)!);
    let best = g.indexOf(Math.max(...g));
    if (rng.uniform() < O.noise) best = (best + 1) % g.length;
    await json(`${studio.url}/api/label`, token, { key: `loop-label-${labels}`, pair: pair.id, choice: best });
    labels++;
  }
  const rmJob = await json<{ job: { id: number } }>(`${studio.url}/api/reward-models`, admin, { members: O.members, steps: O.steps, heldOutFraction: 0.2 });
  const rm = await waitJob(studio.url, admin, rmJob.job.id);
  if (rm.status !== 'finished') throw new Error(rm.log.join('\n'));
  const card = rm.result as { name: string; labels: number; heldOut: { accuracy: number; se: number; n: number } };
  process.stderr.write(`reward model ${card.name}: ${card.labels} pairs, held-out ${card.heldOut.accuracy.toFixed(3)} ± ${card.heldOut.se.toFixed(3)}\n`);
  const launch = await json<{ job: { id: number } }>(`${studio.url}/api/launch`, admin, { rewardModel: card.name, config: `${ALGORITHM}.yaml`, out: `${ALGORITHM}-rm` });
  const run = await waitJob(studio.url, admin, launch.job.id);
  if (run.status !== 'finished') throw new Error(run.log.join('\n'));
  const store = RunStore.open(path.join(runs, `${ALGORITHM}-rm`, 'runs.sqlite'));
  const id = store.runs()[0]!.id;
  const evals = store.evaluations(id).filter((e) => e.suite === 'shapes_eval');
  const proxy = store.evaluations(id).filter((e) => e.suite === 'proxy');
  store.close();
  const before = evals[0]!;
  const after = evals[evals.length - 1]!;
  const pb = (before.details as { perPrompt: number[] }).perPrompt;
  const pa = (after.details as { perPrompt: number[] }).perPrompt;
  const d = pa.map((x, i) => x - pb[i]!);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
  process.stdout.write(`${JSON.stringify({
    options: O, labels, rewardModel: card,
    gold: { before: before.overall, after: after.overall, beforeStep: before.step, afterStep: after.step, delta: mean, pairedSe: sd / Math.sqrt(d.length), n: d.length },
    proxy: { before: proxy[0]?.overall ?? null, after: proxy[proxy.length - 1]?.overall ?? null },
    categories: { before: (before.details as { categories: unknown }).categories, after: (after.details as { categories: unknown }).categories },
    seconds: (performance.now() - t0) / 1000, runs,
  }, null, 2)}\n`);
} finally {
  await studio.close();
}
