// Diagnosis of the active-learning testbed (issue #13): why does the Bradley–Terry ensemble's held-out accuracy
// saturate near 0.75? Trains on seeded random subsets of synthetic pairs (10% label noise) at several sizes and step
// counts and reports held-out accuracy per pair kind, training fit, and the committee's disagreement per kind on
// unlabelled pool pairs (where uncertainty sampling would spend its labels).
// Run: npx tsc && REFRACT_THREADS=1 node dist/bench/studio-active-diagnose.js [sizes] [steps] [members] [seeds] [lr] > diag.jsonl
import { Rng, deriveSeed } from '../src/data/rng.js';
import { RewardEnsemble } from '../src/rewards/preference/ensemble.js';
import { pairwiseCorrect } from '../src/rewards/preference/accuracy.js';
import { PAIR_KINDS, syntheticShapesPairs, withLabelNoise, type PreferencePair } from '../src/rewards/preference/pairs.js';
import { imagesToTensor } from '../src/data/image-tensor.js';
import { pairDisagreement } from '../src/studio/active.js';
import * as torch from '../src/torch/index.js';

const sizes = (process.argv[2] ?? '20,60,140').split(',').map(Number);
const stepsList = (process.argv[3] ?? '150').split(',').map(Number);
/** Members of the ensemble, and how many training seeds per (size, steps): their spread is the learner's own noise. */
const members = Number(process.argv[4] ?? 3);
const seeds = Number(process.argv[5] ?? 1);
const lr = Number(process.argv[6] ?? 3e-3);
torch.setNumThreads(1);
const pool = withLabelNoise(syntheticShapesPairs({ count: 400, seed: 7, labelNoise: 0 }), 0.1, 5);
const held = syntheticShapesPairs({ count: 300, seed: 17, labelNoise: 0 });

const byKind = (pairs: readonly PreferencePair[], correct: readonly number[]): Record<string, number> =>
  Object.fromEntries(PAIR_KINDS.map((k) => {
    const c = correct.filter((_, i) => pairs[i]!.kind === k);
    return [k, +(c.reduce((a, b) => a + b, 0) / c.length).toFixed(3)];
  }));

function disagreementByKind(e: RewardEnsemble, pairs: readonly PreferencePair[]): Record<string, number> {
  const scores = torch.scope(() => torch.noGrad(() => {
    const x = imagesToTensor([...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)]);
    const s = e.memberScores(x, [...pairs, ...pairs].map((p) => p.prompt)).toTypedArray() as Float32Array;
    const N = 2 * pairs.length;
    return e.members.map((_, k) => s.slice(k * N, (k + 1) * N));
  }));
  const d = pairs.map((_, i) => pairDisagreement(scores, i, i + pairs.length));
  return Object.fromEntries(PAIR_KINDS.map((k) => {
    const v = d.filter((_, i) => pairs[i]!.kind === k);
    return [k, +(v.reduce((a, b) => a + b, 0) / v.length).toFixed(4)];
  }));
}

const rng = new Rng(3);
const order = [...pool.keys()];
for (let i = order.length - 1; i > 0; i--) { const j = rng.int(0, i); [order[i], order[j]] = [order[j]!, order[i]!]; }
for (const steps of stepsList) {
  for (const n of sizes) for (let seed = 0; seed < seeds; seed++) {
    const t0 = performance.now();
    const train = order.slice(0, n).map((i) => pool[i]!);
    const rest = order.slice(n).map((i) => pool[i]!);
    const e = RewardEnsemble.train(train, { members, steps, lr, seed: deriveSeed(13, n, seed) });
    const hc = await pairwiseCorrect(e, held);
    const tc = await pairwiseCorrect(e, train);
    const row = {
      n, steps, members, lr, seed, seconds: +((performance.now() - t0) / 1000).toFixed(1),
      heldOut: +(hc.reduce((a, b) => a + b, 0) / hc.length).toFixed(3), heldByKind: byKind(held, hc),
      trainFit: +(tc.reduce((a, b) => a + b, 0) / tc.length).toFixed(3),
      poolDisagreementByKind: rest.length ? disagreementByKind(e, rest) : null,
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    await e.close();
  }
}
