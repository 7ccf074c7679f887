// Replay reproduces the rollout's per-step log-probs (the importance ratio starts at exactly 1) across batch
// sizes, thread counts and batch splits — the ratios ≠ 1 peers report (DanceGRPO #57, flow_grpo #104/#247).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  sampleFlow,
  sampleDdim,
  replayLogProbs,
  sliceTrajectory,
  catTrajectories,
  disposeTrajectory,
  alphasCumprod,
  ddpmBetas,
  stepKl,
  type Trajectory,
  type FlowSdeKind,
} from '../../src/generate/index.js';
import { standInModel, tokens, maxAbsDiff, type TokenCond } from './fixtures.js';

const C = 3;
const SHAPE = [C, 4, 4];
const STEPS = 8;
const ALL_STEPS = Array.from({ length: STEPS }, (_, i) => i);
const stand = standInModel(C, 7);
const seedsOf = (B: number): number[] => Array.from({ length: B }, (_, i) => 1000 + 17 * i);

function rollout(B: number, sde: FlowSdeKind = 'flow_sde', guidance = 1): Trajectory<TokenCond> {
  const uncond = guidance === 1 ? undefined : { tokens: torch.zeros([B, C]) };
  return sampleFlow({
    model: stand.model,
    cond: tokens(B, C, 5),
    uncond,
    guidance,
    steps: STEPS,
    shift: 3,
    noiseLevel: 0.7,
    sde,
    seeds: seedsOf(B),
    shape: SHAPE,
  });
}

function assertReplayMatches(
  t: Trajectory<TokenCond>,
  replayed: { logProbs: torch.Tensor; means: torch.Tensor },
  what: string,
): void {
  const d = maxAbsDiff(replayed.logProbs, t.logProbs);
  assert.ok(d < 1e-5, `${what}: |Δ logProb| = ${d}`);
  const ratio = torch.scope(() => replayed.logProbs.sub(t.logProbs).exp().sub(1).abs().max().item());
  assert.ok(ratio < 1e-5, `${what}: |ratio − 1| = ${ratio}`);
  const dm = maxAbsDiff(replayed.means, t.means!);
  assert.ok(dm < 1e-5, `${what}: |Δ mean| = ${dm}`);
}

for (const B of [1, 16]) {
  test(`replay reproduces rollout log-probs and means within 1e-5 (batch ${B})`, () => {
    const t = rollout(B);
    assert.deepEqual(t.logProbs.shape, [B, STEPS]);
    assert.deepEqual(t.latents!.shape, [B, STEPS + 1, ...SHAPE]);
    assert.ok(t.stochastic.every((s) => s));
    assertReplayMatches(t, replayLogProbs(stand.model, t, ALL_STEPS), `B=${B}`);
    disposeTrajectory(t);
  });
}

test('replay at 2 threads matches a rollout at 1 thread, and the reverse', () => {
  const before = torch.getNumThreads();
  try {
    torch.setNumThreads(1);
    const t1 = rollout(16);
    torch.setNumThreads(2);
    assertReplayMatches(t1, replayLogProbs(stand.model, t1, ALL_STEPS), 'rollout 1 thread, replay 2');
    const t2 = rollout(16);
    torch.setNumThreads(1);
    assertReplayMatches(t2, replayLogProbs(stand.model, t2, ALL_STEPS), 'rollout 2 threads, replay 1');
  } finally {
    torch.setNumThreads(before);
  }
});

test('replay split into other batches (chunks of 5; slices 7 + 9 rejoined) matches the batch-16 rollout', () => {
  const t = rollout(16);
  assertReplayMatches(t, replayLogProbs(stand.model, t, ALL_STEPS, { batchSize: 5 }), 'batchSize 5');
  const parts = [sliceTrajectory(t, 0, 7), sliceTrajectory(t, 7, 16)];
  for (const [i, p] of parts.entries()) assertReplayMatches(p, replayLogProbs(stand.model, p, ALL_STEPS), `slice ${i}`);
  const rejoined = catTrajectories(parts);
  assertReplayMatches(rejoined, replayLogProbs(stand.model, rejoined, ALL_STEPS, { batchSize: 3 }), 'rejoined');
});

test('per-sample step rows (flow_grpo shuffles timesteps per sample) replay each sample at its own step', () => {
  const B = 6;
  const t = rollout(B);
  const rows = Array.from({ length: B }, (_, b) => [(b + 3) % STEPS, (5 * b + 1) % STEPS]);
  const r = replayLogProbs(stand.model, t, rows);
  const expected = rows.flatMap((row, b) => row.map((i) => t.logProbs.toArray()[b * STEPS + i]!));
  const got = r.logProbs.toArray();
  for (let k = 0; k < got.length; k++)
    assert.ok(Math.abs(got[k]! - expected[k]!) < 1e-5, `entry ${k}: ${got[k]} vs ${expected[k]}`);
});

test('replay with classifier-free guidance and with CPS matches the rollout', () => {
  const guided = rollout(8, 'flow_sde', 4.5);
  assertReplayMatches(guided, replayLogProbs(stand.model, guided, ALL_STEPS, { batchSize: 3 }), 'cfg 4.5');
  const cps = rollout(8, 'cps');
  assert.equal(cps.stochastic[STEPS - 1], false, 'CPS step to σ = 0 is deterministic');
  const steps = ALL_STEPS.slice(0, -1);
  const r = replayLogProbs(stand.model, cps, steps, { batchSize: 5 });
  const old = torch.scope(() => cps.logProbs.narrow(1, 0, STEPS - 1).contiguous());
  assert.ok(maxAbsDiff(r.logProbs, old) < 1e-5, 'cps log-probs');
  assert.throws(() => replayLogProbs(stand.model, cps, [STEPS - 1]), /step 7 is deterministic/);
});

test('DDIM replay matches its rollout', () => {
  const ddim = standInModel(C, 8, 1 / 1000);
  const alphas = alphasCumprod(ddpmBetas(1000, { schedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 }));
  const opts = {
    model: ddim.model,
    cond: tokens(16, C, 6),
    alphasCumprod: alphas,
    steps: STEPS,
    eta: 1,
    seeds: seedsOf(16),
    shape: SHAPE,
  };
  const t = sampleDdim({ ...opts, stepsOffset: 1 }); // Stable Diffusion's offset: every step has σ_t > 0
  assert.ok(t.stochastic.every((s) => s));
  assertReplayMatches(t, replayLogProbs(ddim.model, t, ALL_STEPS, { batchSize: 7 }), 'ddim');
  const noOffset = sampleDdim(opts); // last step t = 0 → ᾱ_0: σ_t = 0, deterministic
  assert.deepEqual(noOffset.stochastic, [...ALL_STEPS.slice(1).map(() => true), false]);
  const r = replayLogProbs(ddim.model, noOffset, ALL_STEPS.slice(0, -1));
  assert.ok(maxAbsDiff(r.logProbs, noOffset.logProbs.narrow(1, 0, STEPS - 1)) < 1e-5, 'ddim without offset');
});

test('replay records grad into the model; a reference replay under noGrad gives the KL', () => {
  const t = rollout(4);
  const weight = stand.weight.detach().requiresGrad_(true);
  const policy = (x: torch.Tensor, time: torch.Tensor, cond: TokenCond): torch.Tensor =>
    torch.scope(() => stand.model(x, time, cond).add(torch.einsum('oc,bchw->bohw', weight.sub(stand.weight), x)));
  const r = replayLogProbs(policy, t, [2, 5]);
  assert.ok(r.logProbs.requiresGrad, 'logProbs carry grad');
  r.logProbs.sum().backward();
  const g = weight.grad!;
  assert.ok(g.abs().sum().item() > 0, 'gradient reaches the weight');
  const ref = torch.noGrad(() => replayLogProbs(stand.model, t, [2, 5]));
  assert.equal(ref.logProbs.requiresGrad, false);
  const kl = stepKl(r.means.select(1, 0), ref.means.select(1, 0), r.stdDevs.select(1, 0));
  assert.ok(kl.abs().max().item() < 1e-10, 'KL to identical weights is 0');
});

test('replay without recorded latents explains how to fix it', () => {
  const t = sampleFlow({
    model: stand.model,
    cond: tokens(2, C, 5),
    steps: 3,
    seeds: [1, 2],
    shape: SHAPE,
    recordLatents: false,
  });
  assert.equal(t.latents, null);
  assert.throws(() => replayLogProbs(stand.model, t, [0]), /recordLatents: true/);
});
