// Data parallelism is exact (DESIGN §6, issue #14): one iteration on 2 ranks × B/2 over 127.0.0.1 must equal one
// iteration on 1 rank × B — the same prompts and seeds (shardGroups), the same advantages (statistics over all
// B rewards), the same loss, the same averaged gradients and the same updated weights, within float tolerance.
// GRPO covers the replay-and-clip update, NFT the accumulated step over seeded training points, RWR the
// reward-weighted sum (whose per-rank part is scaled by the rank count), reward backprop (DRaFT-LV with the
// reference anchor: its noise is drawn for the whole batch and narrowed to each rank's rows), DDPO with several
// optimizer steps per epoch (cut from one shuffle of all B samples, train-share.ts), Diffusion-DPO online
// (images and rewards all-gathered, every rank forms the same pairs, an equal split) and offline (5 pairs: 3 + 2,
// each pair noised by its global index and weighted 1/5 whichever rank holds it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawPromptGroups } from '../../src/algorithms/prompt-groups.js';
import { shardGroups, shardRange } from '../../src/algorithms/data-parallel.js';
import { shapesPromptSource } from '../../src/train/prompt-sources.js';
import { tinyBase } from '../train/fixtures.js';
import { freePort, runRanks } from '../torch/distributed/launch.js';
import { assertClose } from '../helpers.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data-parallel-worker.js');

interface Seen {
  log: { samples: number; reward: number; metrics: Record<string, number>; diagnostics: Record<string, number>; skippedUpdate: boolean };
  stepped: number[][];
  /** The trainable weights before and after the iteration (aligned with the gradients). */
  before: number[];
  weights: number[];
}

/**
 * Updated weights agree as far as Adam lets them: its first step is lr·g/(|g| + eps) per element, whose slope
 * lr·eps/(|g| + eps)² is up to lr/eps = 1e5 where |g| ≲ eps — there the gradients' float noise (~1e-10, summed in
 * another order) legitimately moves the weight by ~1e-5. So each weight must lie within 1e-7 per step (float) plus
 * the difference between the moves Adam (β 0.9/0.999, eps 1e-8, lr 1e-3, no decay) makes from each run's own
 * gradients — which the gradient check already holds to 1e-4 — replayed here in float64 over all steps.
 */
function checkWeights(seen: Seen, single: Seen, what: string): void {
  const move1 = adamMoves(single.stepped);
  const move2 = adamMoves(seen.stepped);
  for (let i = 0; i < single.weights.length; i++) {
    const d = Math.abs(seen.weights[i]! - single.weights[i]!);
    const allowed = 1e-7 * single.stepped.length + 1.01 * Math.abs(move1[i]! - move2[i]!);
    assert.ok(d <= allowed, `${what}: updated weight ${i} differs by ${d} > ${allowed} (first gradients ${single.stepped[0]![i]} vs ${seen.stepped[0]![i]})`);
  }
}

/** The total change Adam's steps make to each weight from a sequence of gradients. */
function adamMoves(steps: readonly (readonly number[])[]): number[] {
  const [lr, b1, b2, eps] = [1e-3, 0.9, 0.999, 1e-8];
  const n = steps[0]?.length ?? 0;
  const [m, v, move] = [new Float64Array(n), new Float64Array(n), new Array<number>(n).fill(0)];
  steps.forEach((g, k) => {
    for (let i = 0; i < n; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mHat = m[i]! / (1 - b1 ** (k + 1));
      const vHat = v[i]! / (1 - b2 ** (k + 1));
      move[i] = move[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return move;
}

test('the ranks\' shares of an iteration are its prompts and seeds, in order', () => {
  const groups = drawPromptGroups(shapesPromptSource(), 11, 1, 3, 4);
  const parts = [0, 1, 2].map((r) => shardGroups(groups, shardRange(12, r, 3)));
  assert.deepEqual(parts.flatMap((p) => p.seeds), groups.seeds);
  assert.deepEqual(parts.flatMap((p) => p.prompts.map((x) => x.text)), groups.prompts.map((x) => x.text));
  assert.deepEqual(parts.map((p) => p.offset), [0, 4, 8]);
  assert.throws(() => shardRange(12, 0, 5), /multiple of --nproc 5/);
});

function maxAbs(xs: readonly number[]): number {
  return xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

async function oneIteration(algorithm: string, section: Record<string, unknown>, base: string, out: string, n: number, extra: Record<string, string> = {}): Promise<Seen[]> {
  const env = { ...extra, REFRACT_TEST_ALGORITHM: algorithm, REFRACT_TEST_SECTION: JSON.stringify(section), REFRACT_TEST_BASE: base, REFRACT_TEST_OUT: out, MASTER_PORT: String(await freePort()) };
  // a hang guard, not a timing: a niced rank on a loaded 2-core machine can take over a minute
  const limitMs = 180_000;
  const exits = n === 1 ? await runRanks(worker, [], 1, { ...env, WORLD_SIZE: '1' }, limitMs) : await runRanks(worker, [], n, env, limitMs);
  for (const e of exits) assert.equal(e.code, 0, `rank ${e.rank}: ${e.stderr.slice(-2000)}`);
  return exits.map((e) => JSON.parse(readFileSync(path.join(out, `rank-${e.rank}-of-${n}.json`), 'utf8')) as Seen);
}

const CASES: [string, string, Record<string, unknown>, Record<string, string>?][] = [
  ['grpo', 'grpo', { promptsPerIteration: 2, groupSize: 4, minibatchSize: 8, innerEpochs: 1, sampler: { steps: 4 }, lr: 1e-3, klCoefficient: 0.01 }],
  ['nft', 'nft', { promptsPerIteration: 2, groupSize: 4, minibatchSize: 4, innerEpochs: 1, sampler: { steps: 4 }, timesteps: { perSample: 2 }, lr: 1e-3 }],
  ['rwr', 'rwr', { promptsPerIteration: 2, samplesPerPrompt: 4, minibatchSize: 3, innerEpochs: 1, sampler: { steps: 4 }, lr: 1e-3 }],
  ['reward_backprop', 'reward_backprop', { batchSize: 4, sampler: { steps: 4 }, draft: { k: 1, lvSamples: 2 }, regularizer: { kind: 'reference', weight: 0.5 }, lr: 1e-3 }],
  // 3 groups × 4 on 2 ranks, group 0 flat (skipped): rank 0 trains 2 samples, rank 1 6; 2 optimizer steps, whose
  // members (a global shuffle) fall on either rank
  [
    'grpo skipZeroVarianceGroups',
    'grpo',
    { promptsPerIteration: 3, groupSize: 4, minibatchSize: 2, updatesPerEpoch: 2, innerEpochs: 1, sampler: { steps: 4 }, lr: 1e-3, klCoefficient: 0.01, skipZeroVarianceGroups: true },
    { REFRACT_TEST_FLAT_GROUPS: '[0]' },
  ],
  [
    'grpo dense',
    'grpo',
    { promptsPerIteration: 2, groupSize: 4, minibatchSize: 4, innerEpochs: 1, sampler: { steps: 4 }, lr: 1e-3, klCoefficient: 0.01, dense: { map: 'red' } },
    { REFRACT_TEST_DENSE: '1' },
  ],
  // DDPO's optimizer steps are cut from a shuffle of all B samples (train-share.ts): 4 steps of 2 in one epoch; then
  // steps of 3, 3, 2 single-sample minibatches over 2 epochs, whose members fall 2 + 1, 3 + 0, … on the ranks
  // (test/algorithms/train-share.test.ts checks the split). Per-rank shuffles took 2 steps per epoch here, not 4.
  ['ddpo 4 steps per epoch', 'ddpo', { promptsPerIteration: 2, samplesPerPrompt: 4, minibatchSize: 2, innerEpochs: 1, trainSteps: 1, sampler: { steps: 4 }, lr: 1e-3 }],
  ['ddpo accumulation, 2 epochs', 'ddpo', { promptsPerIteration: 2, samplesPerPrompt: 4, minibatchSize: 1, gradientAccumulation: 3, innerEpochs: 2, trainSteps: 1, sampler: { steps: 4 }, lr: 1e-3 }],
  ['dpo online', 'dpo', { mode: 'online', innerEpochs: 1, minibatchSize: 2, lr: 1e-3, online: { promptsPerIteration: 2, groupSize: 4, pairing: 'all', sampler: { steps: 4 } } }],
  ['dpo offline', 'dpo', { mode: 'offline', innerEpochs: 1, minibatchSize: 2, lr: 1e-3, offline: { pairsPerIteration: 5, source: { kind: 'synthetic', count: 8 } } }],
];

for (const [label, algorithm, section, extra] of CASES) {
  test(`${label}: 2 ranks × B/2 train as 1 rank × B (advantages, loss, gradients, weights)`, async () => {
    const { dir, base } = tinyBase(`refract-ddp-${algorithm}-`);
    try {
      const [single] = await oneIteration(algorithm, section, base, dir, 1, extra);
      const ranks = await oneIteration(algorithm, section, base, dir, 2, extra);
      const s = single!;
      assert.equal(s.log.skippedUpdate, false);
      assert.ok(s.stepped.length >= 1, 'the single process stepped');
      assert.ok(maxAbs(s.stepped[0]!) > 1e-6, 'the iteration has a gradient to compare (advantages not all 0)');
      for (const [r, seen] of ranks.entries()) {
        const what = `${label} rank ${r}`;
        assert.equal(seen.log.samples, s.log.samples, `${what}: samples of the iteration`);
        assert.equal(seen.log.diagnostics['trained_samples'], s.log.diagnostics['trained_samples'], `${what}: trained samples`);
        if (label.startsWith('ddpo')) {
          assert.equal(s.stepped.length, label.includes('2 epochs') ? 6 : 4, 'optimizer steps of the whole batch');
          assert.ok(s.log.metrics['kl']! > 0, 'the reference is off the policy: a KL to compare');
          assertClose([seen.log.metrics['kl']!], [s.log.metrics['kl']!], 1e-9, 1e-4, `${what}: KL to the reference`);
          for (const k of ['clipFraction', 'approxKl']) assertClose([seen.log.metrics[k]!], [s.log.metrics[k]!], 1e-6, 1e-4, `${what}: ${k}`);
          assertClose([seen.log.diagnostics['ratio_mean_step_0']!], [s.log.diagnostics['ratio_mean_step_0']!], 1e-6, 0, `${what}: first-epoch ratio`);
        }
        if (label.includes('skipZeroVariance')) {
          assert.equal(s.log.diagnostics['trained_samples'], 8, 'group 0 is skipped, 2 of 3 groups train');
          assert.equal(s.stepped.length, 2, 'two optimizer steps (updatesPerEpoch 2)');
        }
        if ('pairs' in s.log.metrics) {
          // DPO: the same pairs; the implicit margin is β/2 (= 500) × loss differences, so float noise of 1e-6 in the
          // per-sample losses (B/2 vs B batches through the convolutions) shows as up to ~5e-4 in it
          assert.equal(seen.log.metrics['pairs'], s.log.metrics['pairs'], `${what}: pairs`);
          assertClose([seen.log.metrics['implicitAccuracy']!], [s.log.metrics['implicitAccuracy']!], 1e-6, 0, `${what}: implicit accuracy`);
          assertClose([seen.log.metrics['implicitMargin']!], [s.log.metrics['implicitMargin']!], 5e-4, 1e-4, `${what}: implicit margin`);
        }
        // a batch of B/2 may take other float paths through the convolutions than one of B: rewards agree to ~1e-7
        assertClose([seen.log.reward], [s.log.reward], 1e-6, 1e-5, `${what}: mean reward over all B`);
        for (const k of ['advantage_mean', 'advantage_std', 'advantage_min', 'advantage_max']) {
          if (k in s.log.diagnostics) assertClose([seen.log.diagnostics[k]!], [s.log.diagnostics[k]!], 1e-4, 1e-4, `${what}: ${k}`);
        }
        assert.equal(seen.stepped.length, s.stepped.length, `${what}: optimizer steps`);
        // tolerances relative to the gradients' own scale (a tiny model's can be ~1e-8 throughout)
        seen.stepped.forEach((g, k) => assertClose(g, s.stepped[k]!, 1e-4 * maxAbs(s.stepped[k]!), 1e-4, `${what}: gradient of step ${k}`));
        // GRPO's loss is ~0 at ratio 1; DPO's is −log σ(β/2·Δ) with β/2 = 500, so its float noise is the margin's
        // (above): 2.9e-5 between B/2 and B batches on one machine's convolutions (measured, session 11), within 5e-4
        const lossAtol = 'pairs' in s.log.metrics ? 5e-4 : 1e-6;
        assertClose([seen.log.metrics['loss']!], [s.log.metrics['loss']!], lossAtol, 1e-5, `${what}: loss`);
        assertClose([seen.log.metrics['gradNorm']!], [s.log.metrics['gradNorm']!], 0, 1e-4, `${what}: gradient norm`);
        checkWeights(seen, s, what);
      }
      assert.deepEqual(ranks[0]!.weights, ranks[1]!.weights, 'both ranks hold the same weights');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
