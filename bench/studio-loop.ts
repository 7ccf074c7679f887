// The loop closed on the shipped Shapes base, through the Studio's HTTP API: a scripted labeler answers every
// comparison of a gold-known pool from the gold evaluator with 10% noise → the admin trains a Bradley–Terry ensemble
// on the labels → a GRPO run of assets/base/shapes with that ensemble as its only reward (worker process, hacking
// monitor on) → ShapesEval before and after on the same prompts and seeds (paired SE over prompts).
// Run: npx tsc && REFRACT_THREADS=1 node dist/bench/studio-loop.js [iterations] [synthetic|model] [arm] [replicate]
//        > bench/studio-loop[-model][-<arm>].json
// [replicate] (default 0) changes the pool's seed, the labeler's noise and the run's seed.
// Arms: `grpo` (κ 0.01, lr 5e-5); `grpo-anchored` (κ 0.1, lr 3e-5); `grpo-global` (`grpo` with the batch's std in
// the advantage, as the NFT arm); `nft` post-trains with DiffusionNFT instead (the
// demo's settings: 8 prompts × 16, CFG-free 10-step rollouts, κ 1); `grpo-conservative` is `grpo` launched with
// `pessimism: 0.5`, so it optimises the ensemble's mean − 0.5·std (Coste et al., arXiv 2310.02743); `grpo-2round` is
// `grpo` in two rounds of half the iterations: after round 1 a second pool of the round-1 policy's own samples is
// labelled through the same API, a second ensemble is trained on all labels, and round 2 continues from the round-1
// policy with it (iterated online RLHF, Bai et al., arXiv 2204.05862 §4.5). "Before" is round 1's step 0, "after"
// round 2's last evaluation, on the same prompts and seeds. `grpo-anchored-2round`: the same two rounds at
// `grpo-anchored`'s settings (a trust region per round and fresh labels between rounds, as InstructGPT-style RLHF).
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
const ARM = (process.argv[4] ?? 'grpo') as 'grpo' | 'grpo-anchored' | 'grpo-global' | 'grpo-conservative' | 'grpo-2round' | 'grpo-anchored-2round' | 'nft';
const ALGORITHM = ARM === 'nft' ? 'nft' : 'grpo';
const SECTION = ARM === 'grpo-conservative' || ARM === 'grpo-2round' ? 'grpo' : ARM === 'grpo-anchored-2round' ? 'grpo-anchored' : ARM;
/** λ of mean − λ·std the launched run optimises (the launch's `pessimism`). */
// 0.5: the λ whose best-of-8 gold beat the plain mean's on all four checkpoints of bench/studio-pessimism-check.json
// (base, GRPO, anchored GRPO, NFT; λ = 1 did not), chosen before the run
const PESSIMISM = ARM === 'grpo-conservative' ? 0.5 : 0;
const ROUNDS = ARM.endsWith('-2round') ? 2 : 1;
/** A replicate: another pool (its prompts and seeds), other labeler noise and another training seed. */
const REPLICATE = Number(process.argv[5] ?? 0);
const O = { algorithm: ARM, pessimism: PESSIMISM, rounds: ROUNDS, replicate: REPLICATE, poolKind: POOL, pool: 600, modelPrompts: 200, noise: 0.1, members: 3, steps: 400, perCategory: 40, iterations: ITERATIONS };

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
  // `grpo` with flow_grpo's global_std: advantages (r − μ_group)/σ_batch, as the NFT arm normalises (advantageStd:
  // 'global'); a prompt whose group the learned reward barely separates gets a small update instead of a unit one
  'grpo-global': { promptsPerIteration: 8, groupSize: 8, minibatchSize: 16, sampler: { steps: 10, guidance: 3, noiseLevel: 0.7, sdeWindow: [0, 5] }, trainSteps: 3, clipRange: 0.001, klCoefficient: 0.01, lr: 0.00005, gradClip: 1, advantageStd: 'global' },
  nft: { promptsPerIteration: 8, groupSize: 16, sampler: { steps: 10, guidance: 1 }, timesteps: { distribution: 'grid', perSample: 4 }, advantageStd: 'global', klCoefficient: 1, lr: 0.0001, minibatchSize: 32, gradClip: 1 },
};
/** The launched run's config: round 1 from the shipped base, round 2 from round 1's policy (ShapesEval's prompts and seeds are fixed). */
const ROUND_ITERATIONS = Math.round(O.iterations / ROUNDS);
const configName = (round: number): string => `${ALGORITHM}${round > 1 ? `-round${round}` : ''}.yaml`;
const outName = (round: number): string => `${ALGORITHM}-rm${round > 1 ? `-round${round}` : ''}`;
for (let round = 1; round <= ROUNDS; round++) {
  writeFileSync(path.join(runs, configName(round)), YAML.stringify({
    algorithm: ALGORITHM, seed: REPLICATE + 100 * (round - 1), iterations: ROUND_ITERATIONS, threads: 1,
    base: round === 1 ? path.resolve('assets/base/shapes') : path.join(runs, outName(round - 1), 'final'),
    prompts: { source: 'shapes' },
    rewards: [{ kind: 'shapes_gold' }], // replaced by the Studio's reward model (TrainingHooks.reward)
    eval: { every: ROUND_ITERATIONS, perCategory: O.perCategory, samplingSteps: 10, storeSamples: 8 },
    checkpoint: { every: ROUND_ITERATIONS, keep: 1 },
    [ALGORITHM]: SECTIONS[SECTION],
  }));
}
const t0 = performance.now();
const studio = await startStudio({ runsDir: runs, port: 0, rateLimit: 1_000_000 }); // one scripted labeler, faster than a person
type Card = { name: string; labels: number; heldOut: { accuracy: number; se: number; n: number } };
type Eval = { step: number; overall: number; details: unknown };
try {
  const admin = studio.adminToken;
  const { token } = await json<{ token: string }>(`${studio.url}/api/labelers`, admin, { name: 'script' });
  const rng = new Rng(9 + REPLICATE);
  let labels = 0;
  /** The scripted labeler answers every comparison the queue serves, from gold with O.noise flips. */
  const labelAll = async (): Promise<void> => {
    for (;;) {
      const { pair } = await json<{ pair: { id: number; items: { id: number }[] } | null }>(`${studio.url}/api/label/next`, token);
      if (pair === null) return;
      const g = pair.items.map((it) => gold.get(it.id)!);
      let best = g.indexOf(Math.max(...g));
      if (rng.uniform() < O.noise) best = (best + 1) % g.length;
      await json(`${studio.url}/api/label`, token, { key: `loop-label-${labels}`, pair: pair.id, choice: best });
      labels++;
    }
  };
  const trainRewardModel = async (): Promise<Card> => {
    const rmJob = await json<{ job: { id: number } }>(`${studio.url}/api/reward-models`, admin, { members: O.members, steps: O.steps, heldOutFraction: 0.2 });
    const rm = await waitJob(studio.url, admin, rmJob.job.id);
    if (rm.status !== 'finished') throw new Error(rm.log.join('\n'));
    const card = rm.result as Card;
    process.stderr.write(`reward model ${card.name}: ${card.labels} pairs, held-out ${card.heldOut.accuracy.toFixed(3)} ± ${card.heldOut.se.toFixed(3)}\n`);
    return card;
  };
  /** Launches round `round` with reward model `rm`; its ShapesEval and proxy evaluations. */
  const launchRound = async (round: number, rm: string): Promise<{ evals: Eval[]; proxy: Eval[] }> => {
    const body = { rewardModel: rm, config: configName(round), out: outName(round), ...(PESSIMISM > 0 ? { pessimism: PESSIMISM } : {}) };
    const launch = await json<{ job: { id: number } }>(`${studio.url}/api/launch`, admin, body);
    const run = await waitJob(studio.url, admin, launch.job.id);
    if (run.status !== 'finished') throw new Error(run.log.join('\n'));
    const store = RunStore.open(path.join(runs, outName(round), 'runs.sqlite'));
    const id = store.runs()[0]!.id;
    const all = store.evaluations(id);
    store.close();
    return { evals: all.filter((e) => e.suite === 'shapes_eval'), proxy: all.filter((e) => e.suite === 'proxy') };
  };
  await labelAll();
  const cards = [await trainRewardModel()];
  const rounds = [await launchRound(1, cards[0]!.name)];
  for (let round = 2; round <= ROUNDS; round++) {
    // A fresh pool of the last round's policy: its own samples, gold-known, labelled through the same API.
    const next = LabelDb.open(path.join(runs, 'studio'));
    const pool = await buildModelPool(next, { checkpoint: path.join(runs, outName(round - 1), 'final'), prompts: O.modelPrompts, perPrompt: 4, seed: 21 + 100 * (round - 1) + REPLICATE });
    for (const it of next.items()) gold.set(it.id, it.gold ?? 0);
    next.close();
    process.stderr.write(`round ${round} pool of the round-${round - 1} policy: ${JSON.stringify(pool)}\n`);
    await labelAll();
    cards.push(await trainRewardModel());
    rounds.push(await launchRound(round, cards[round - 1]!.name));
  }
  const before = rounds[0]!.evals[0]!;
  const after = rounds.at(-1)!.evals.at(-1)!;
  const pb = (before.details as { perPrompt: number[] }).perPrompt;
  const pa = (after.details as { perPrompt: number[] }).perPrompt;
  const d = pa.map((x, i) => x - pb[i]!);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
  process.stdout.write(`${JSON.stringify({
    options: O, labels, rewardModel: cards[0], ...(ROUNDS > 1 ? { rewardModels: cards } : {}),
    gold: { before: before.overall, after: after.overall, beforeStep: before.step, afterStep: after.step, delta: mean, pairedSe: sd / Math.sqrt(d.length), n: d.length },
    ...(ROUNDS > 1 ? { roundGold: rounds.map((r) => ({ before: r.evals[0]!.overall, after: r.evals.at(-1)!.overall })) } : {}),
    proxy: { before: rounds[0]!.proxy[0]?.overall ?? null, after: rounds.at(-1)!.proxy.at(-1)?.overall ?? null },
    categories: { before: (before.details as { categories: unknown }).categories, after: (after.details as { categories: unknown }).categories },
    seconds: (performance.now() - t0) / 1000, runs,
  }, null, 2)}\n`);
} finally {
  await studio.close();
}
