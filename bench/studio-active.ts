// Active learning vs random pairs, through the Studio's own queue: how many labels does a simulated labeler (the
// gold answer, flipped with probability `noise`) give before a Bradley–Terry ensemble trained on them reaches
// `target` held-out pairwise accuracy (fresh, correctly labelled synthetic Shapes pairs), and how accurate is it at
// each label budget?
//   random: the pool's seeded random priorities, never changed;
//   others: after every batch the ensemble is retrained and the queue re-ordered by `prioritise` with that
//           acquisition (src/studio/active.ts) — exactly what `POST /api/reward-models` does;
//   stratified-random (a bench-only control): bald-stratified's strata with a random order inside each.
// All arms start from the same random first batch (the warm start), pool, labeler noise and training seeds (paired by
// repeat). The learner's steps grow with the labels: max(minSteps, ⌈epochs·labels/32⌉) minibatches of 32, so a bigger
// labelled set is not under-trained (a fixed 150 steps left the curve flat, issue #13 session-5 note).
// Run: npx tsc && REFRACT_THREADS=1 node dist/bench/studio-active.js '{"repeats":6,"arms":["random","bald"]}' [partial.json] > out.json
//   options (JSON, merged onto O below); session 5's design was
//   '{"arms":["random","softrank"],"minSteps":150,"epochs":0,"maxLabels":140,"kinds":["contradict","extra","noise","blur"]}'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, deriveSeed } from '../src/data/rng.js';
import { LabelDb } from '../src/studio/label-db.js';
import { buildPool } from '../src/studio/pool.js';
import { LabelQueue } from '../src/studio/queue.js';
import type { Acquisition } from '../src/studio/active.js';
import { coveragePriorities, prioritise } from '../src/studio/reward-model.js';
import { loadPreferencePairs, readPngImage } from '../src/store/preference-pairs.js';
import { memberFeatures, memberScores } from '../src/studio/active.js';
import { labelledEvidence, learnableBald } from '../src/studio/learnable-bald.js';
import { RewardEnsemble } from '../src/rewards/preference/ensemble.js';
import { pairwiseCorrect } from '../src/rewards/preference/accuracy.js';
import { PAIR_KINDS, syntheticShapesPairs, type PairKind, type PreferencePair } from '../src/rewards/preference/pairs.js';
import * as torch from '../src/torch/index.js';

const O = {
  repeats: 6,
  arms: ['random', 'bald'] as Arm[],
  pool: 400,
  /** Pool pair kinds in turn (a kind repeated is weighted). */
  kinds: [...PAIR_KINDS] as PairKind[],
  /** Held-out pair kinds in turn (balanced over these). */
  heldOutKinds: [...PAIR_KINDS] as PairKind[],
  batch: 20,
  maxLabels: 200,
  /** Labels-to-target is read off each learning curve (first budget at or above the target) for each target. */
  targets: [0.75, 0.8],
  noise: 0.1,
  members: 3,
  minSteps: 150,
  epochs: 0,
  heldOut: 300,
  ...(JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>),
};

interface Trace {
  labels: number[];
  accuracy: number[];
  /** Held-out accuracy per pair kind at each budget. */
  byKind: Record<string, number>[];
  /** Labels spent per pool pair kind at the end. */
  spent: Record<string, number>;
  /**
   * bald-learnable only, at each budget: the mean estimated learnability of the unlabelled pool pairs per kind, and
   * (`oob <kind>`) the ensemble's out-of-bag accuracy on the labelled pairs of each kind — the evidence it reads.
   */
  learnabilityByKind?: Record<string, number>[];
}

/** The learnability bald-learnable estimated for each unlabelled pool pair, averaged per kind (kinds for the report only). */
function learnabilityByKind(db: LabelDb, ensemble: RewardEnsemble, trainedOn: readonly PreferencePair[], firstId: number, asked: readonly number[]): Record<string, number> {
  const items = db.items();
  const index = new Map(items.map((it, i) => [it.id, i]));
  const images = items.map((it) => readPngImage(path.join(db.dir, it.path)));
  const prompts = items.map((it) => it.prompt);
  const done = new Set(asked);
  const pool = db.pairs().filter((p) => !done.has(p.id));
  const evidence = labelledEvidence(ensemble, { trainedOn, heldOut: [] });
  const { learnability } = learnableBald({ sets: pool.map((p) => p.items.map((id) => index.get(id)!)), scores: memberScores(ensemble, images, prompts), ...memberFeatures(ensemble, images, prompts) }, evidence);
  const kindOf = (id: number): string => O.kinds[(id - firstId) % O.kinds.length]!;
  const byKind: Record<string, number[]> = {};
  pool.forEach((p, i) => (byKind[kindOf(p.id)] ??= []).push(learnability[i]!));
  // out-of-bag accuracy of the labelled pairs per kind (preference rows are in label order: row i is asked[i])
  const oob: Record<string, [number, number]> = {};
  asked.forEach((id, i) => {
    const o = (oob[`oob ${kindOf(id)}`] ??= [0, 0]);
    o[0] += evidence.correct[i]!;
    o[1] += evidence.votes[i]!;
  });
  return Object.fromEntries([...Object.entries(byKind).map(([k, v]) => [k, +mean(v).toFixed(3)]), ...Object.entries(oob).map(([k, [c, v]]) => [k, v === 0 ? NaN : +(c / v).toFixed(3)])]);
}

/**
 * A bench-only control arm, `stratified-random`: bald-stratified's strata and proportional allocation with a seeded
 * random order inside each stratum instead of BALD — it separates what the allocation over clusters does from what
 * choosing by disagreement inside them does.
 */
type Arm = Acquisition | 'stratified-random';

function stratifiedRandom(db: LabelDb, ensemble: RewardEnsemble, seed: number): void {
  const items = db.items();
  const index = new Map(items.map((it, i) => [it.id, i]));
  const pool = db.pairs();
  const rng = new Rng(seed);
  const random = new Map(pool.map((p) => [p.id, rng.uniform()]));
  const features = memberFeatures(ensemble, items.map((it) => readPngImage(path.join(db.dir, it.path))), items.map((it) => it.prompt));
  db.setPriorities(coveragePriorities(db, pool, pool.map((p) => p.items.map((id) => index.get(id)!)), random, features, () => rng.uniform()));
}

const trainSteps = (n: number): number => Math.max(O.minSteps, Math.ceil((O.epochs * n) / 32));

async function runArm(arm: Arm, repeat: number, heldOut: readonly PreferencePair[]): Promise<Trace> {
  const dir = mkdtempSync(path.join(tmpdir(), `refract-active-${arm}-`));
  const db = LabelDb.open(dir);
  try {
    buildPool(db, { pairs: O.pool, bestOf4: 0, checkEvery: 0, seed: deriveSeed(7, repeat), kinds: O.kinds });
    const firstId = Math.min(...db.pairs().map((p) => p.id));
    const queue = new LabelQueue(db, { checkEvery: 1_000_000, leaseMs: 60_000 });
    const rng = new Rng(deriveSeed(11, repeat));
    const trace: Trace = { labels: [], accuracy: [], byKind: [], spent: {}, ...(arm === 'bald-learnable' ? { learnabilityByKind: [] } : {}) };
    const asked: number[] = [];
    let n = 0;
    while (n < O.maxLabels) {
      for (let i = 0; i < O.batch; i++) {
        const pair = queue.next('sim')!;
        asked.push(pair.id);
        const kind = O.kinds[(pair.id - firstId) % O.kinds.length]!; // pool pair i has kind kinds[i mod |kinds|]
        trace.spent[kind] = (trace.spent[kind] ?? 0) + 1;
        const gold = pair.items.map((id) => db.item(id)!.gold ?? 0);
        let best = gold.indexOf(Math.max(...gold));
        if (rng.uniform() < O.noise) best = 1 - best; // the noise draw sequence is the same in every arm
        db.label(`sim-${n}-x`, pair.id, 'sim', best);
        queue.release('sim');
        n++;
      }
      const trainedOn = loadPreferencePairs(db.file);
      const ensemble = RewardEnsemble.train(trainedOn, { members: O.members, steps: trainSteps(n), seed: deriveSeed(13, repeat, n) });
      const correct = await pairwiseCorrect(ensemble, heldOut);
      if (arm === 'stratified-random') stratifiedRandom(db, ensemble, deriveSeed(19, repeat, n));
      else if (arm !== 'random') prioritise(db, ensemble, arm, deriveSeed(19, repeat, n), { trainedOn, heldOut: [] });
      if (arm === 'bald-learnable') trace.learnabilityByKind!.push(learnabilityByKind(db, ensemble, trainedOn, firstId, asked));
      await ensemble.close();
      trace.labels.push(n);
      trace.accuracy.push(mean(correct));
      trace.byKind.push(Object.fromEntries(O.heldOutKinds.map((k) => [k, +mean(correct.filter((_, i) => heldOut[i]!.kind === k)).toFixed(3)])));
    }
    return trace;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs: readonly number[]): number => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length);
const r4 = (x: number): number => +x.toFixed(4);

function summarise(rows: readonly ({ repeat: number } & Partial<Record<Arm, Trace>>)[]): Record<string, unknown> {
  // A curve that never reached the target counts as maxLabels + batch (censored: a bound, said in `censored`).
  const reach = (t: Trace, target: number): number | null => t.labels.find((_, i) => t.accuracy[i]! >= target) ?? null;
  const others = O.arms.filter((a) => a !== 'random');
  const paired = (diff: number[]): { mean: number; pairedSe: number; n: number } => ({ mean: r4(mean(diff)), pairedSe: r4(se(diff)), n: diff.length });
  const labelsToTarget: Record<string, unknown> = {};
  for (const target of O.targets) {
    const to = (arm: Arm): number[] => rows.map((x) => reach(x[arm]!, target) ?? O.maxLabels + O.batch);
    const entry: Record<string, unknown> = {};
    for (const arm of O.arms) entry[arm] = { mean: mean(to(arm)), se: r4(se(to(arm))), censored: rows.filter((x) => reach(x[arm]!, target) === null).length };
    for (const arm of others) entry[`random minus ${arm}`] = paired(rows.map((_, i) => to('random')[i]! - to(arm)[i]!));
    labelsToTarget[String(target)] = entry;
  }
  // Accuracy at each label budget and its paired difference to random (the learning curves' vertical view), and the
  // mean accuracy over all budgets after the warm start (area under the learning curve, one number per repeat).
  const accuracyAt: Record<string, unknown> = {};
  rows[0]![O.arms[0]!]!.labels.forEach((n, i) => {
    const entry: Record<string, unknown> = {};
    for (const arm of O.arms) entry[arm] = r4(mean(rows.map((x) => x[arm]!.accuracy[i]!)));
    for (const arm of others) entry[`${arm} minus random`] = paired(rows.map((x) => x[arm]!.accuracy[i]! - x.random!.accuracy[i]!));
    accuracyAt[String(n)] = entry;
  });
  const area = (t: Trace): number => mean(t.accuracy.slice(1));
  const areaUnderCurve: Record<string, unknown> = Object.fromEntries(O.arms.map((a) => [a, r4(mean(rows.map((x) => area(x[a]!))))]));
  for (const arm of others) areaUnderCurve[`${arm} minus random`] = paired(rows.map((x) => area(x[arm]!) - area(x.random!)));
  const spent = Object.fromEntries(O.arms.map((a) => [a, Object.fromEntries(PAIR_KINDS.map((k) => [k, r4(mean(rows.map((x) => x[a]!.spent[k] ?? 0)))]))]));
  // Held-out accuracy per pair kind, mean over the budgets after the warm start, and its paired difference to random
  // (where an arm's coverage gains or loses).
  const kindArea = (t: Trace, k: string): number => mean(t.byKind.slice(1).map((b) => b[k]!));
  const heldOutByKindArea: Record<string, unknown> = Object.fromEntries(O.arms.map((a) => [a, Object.fromEntries(O.heldOutKinds.map((k) => [k, r4(mean(rows.map((x) => kindArea(x[a]!, k))))]))]));
  for (const arm of others) heldOutByKindArea[`${arm} minus random`] = Object.fromEntries(O.heldOutKinds.map((k) => [k, paired(rows.map((x) => kindArea(x[arm]!, k) - kindArea(x.random!, k)))]));
  const byKindAtEnd = Object.fromEntries(O.arms.map((a) => [a, Object.fromEntries(O.heldOutKinds.map((k) => [k, r4(mean(rows.map((x) => x[a]!.byKind.at(-1)![k]!)))]))]));
  // bald-learnable's learnability estimate on the unlabelled pool per kind and budget (mean over repeats)
  const learn = rows.map((x) => x['bald-learnable']?.learnabilityByKind).filter((l) => l !== undefined);
  const learnabilityByKind = learn.length === 0 ? undefined : Object.fromEntries(rows[0]![O.arms[0]!]!.labels.map((n, i) => [String(n), Object.fromEntries([...new Set(O.kinds)].flatMap((k) => [k, `oob ${k}`]).map((k) => [k, r4(mean(learn.map((l) => l[i]![k]!).filter((x) => Number.isFinite(x))))]))]));
  return { options: { ...O, steps: 'max(minSteps, ceil(epochs·labels/32))' }, seconds: (performance.now() - t0) / 1000, repeatsDone: rows.length, labelsToTarget, accuracyAt, areaUnderCurve, labelsSpentByKind: spent, heldOutByKindArea, heldOutByKindAtEnd: byKindAtEnd, learnabilityByKind, rows };
}

torch.setNumThreads(1);
const t0 = performance.now();
const rows: ({ repeat: number } & Partial<Record<Arm, Trace>>)[] = [];
const total = O.repeats * O.arms.length;
for (let r = 0; r < O.repeats; r++) {
  const heldOut = syntheticShapesPairs({ count: O.heldOut, seed: deriveSeed(17, r), labelNoise: 0, kinds: O.heldOutKinds });
  const row: { repeat: number } & Partial<Record<Arm, Trace>> = { repeat: r };
  for (const arm of O.arms) {
    const t = (row[arm] = await runArm(arm, r, heldOut));
    const done = r * O.arms.length + O.arms.indexOf(arm) + 1;
    const el = (performance.now() - t0) / 1000;
    process.stderr.write(`repeat ${r} ${arm}: ${t.accuracy.map((a) => a.toFixed(3)).join(' ')} | ${done}/${total}, ${el.toFixed(0)} s, ETA ${((el / done) * (total - done)).toFixed(0)} s\n`);
  }
  rows.push(row);
  // Partial results after every repeat (a long run cut short still leaves its paired repeats).
  if (process.argv[3] !== undefined && rows.length >= 2) writeFileSync(process.argv[3], `${JSON.stringify(summarise(rows), null, 2)}\n`);
}
process.stdout.write(`${JSON.stringify(summarise(rows), null, 2)}\n`);
