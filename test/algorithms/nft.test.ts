// DiffusionNFT: the loss against a float64 closed form computed here in plain JS from the same inputs (values and
// the gradient in v_θ), the optimality probability, the section's errors, the
// algorithm's state round trip, and — on a toy problem — that a reward favouring bright images raises that reward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { nftLoss, optimalityProbability, parseNftSection, DEFAULT_NFT_SECTION, NftAlgorithm, nftUpdateStage } from '../../src/algorithms/nft/index.js';
import { EmaPolicy } from '../../src/algorithms/ema-policy.js';
import { drawTrainingPoints } from '../../src/algorithms/training-points.js';
import { AdamW } from '../../src/torch/optim/index.js';
import { defaultConditioningOps } from '../../src/generate/conditioning.js';
import { SHAPES_VOCABULARY } from '../../src/data/shapes/vocab.js';
import { pairedOptimality, withRelabelledSamples } from '../../src/algorithms/hindsight.js';
import type { PromptCondition } from '../../src/models/prompt-encoder.js';
import type { PolicyCondition } from '../../src/models/index.js';
import type { RewardModel } from '../../src/rewards/types.js';
import { rolloutPrompts } from '../../src/pipeline/text-to-image.js';
import type { AlgorithmState } from '../../src/algorithms/algorithm.js';
import { Rng } from '../../src/data/rng.js';
import { assertClose } from '../helpers.js';
import { tinyContext, tinyModel, brightnessReward, cloneModel, flatParameters, maxAbsDifference, disposeContext } from './ddpo-fixtures.js';

/** N = 3 points of 4 pixels ([3, 1, 2, 2]), seeded. */
const N = 3;
const SHAPE = [N, 1, 2, 2];
const n = 4;

function values(seed: number, count: number, scale = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => rng.normal() * scale);
}

const x0 = values(1, N * n);
const eps = values(2, N * n);
const t = [0.9, 0.5, 0.2];
const xt = x0.map((x, k) => (1 - t[Math.floor(k / n)]!) * x + t[Math.floor(k / n)]! * eps[k]!);
const vOld = values(3, N * n);
const vTheta = vOld.map((v, k) => v + values(4, N * n, 0.3)[k]!);
const vRef = values(5, N * n);
const r = [1, 0.25, 0];
const beta = 0.7;
const clip = 5;
const kappa = 0.1;

/** ℓ_p and ∂(mean_p ℓ_p)/∂v_θ in float64, straight from the formulas of src/algorithms/nft/loss.ts. */
function closedForm(): { perPoint: number[]; grad: number[] } {
  const perPoint: number[] = [];
  const grad: number[] = [];
  for (let p = 0; p < N; p++) {
    const idx = Array.from({ length: n }, (_, e) => p * n + e);
    const dPos = idx.map((k) => xt[k]! - t[p]! * (beta * vTheta[k]! + (1 - beta) * vOld[k]!) - x0[k]!); // x̂₀⁺ − x₀
    const dNeg = idx.map((k) => xt[k]! - t[p]! * ((1 + beta) * vOld[k]! - beta * vTheta[k]!) - x0[k]!); // x̂₀⁻ − x₀
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    const wPos = Math.max(mean(dPos.map(Math.abs)), 1e-5);
    const wNeg = Math.max(mean(dNeg.map(Math.abs)), 1e-5);
    const lPos = mean(dPos.map((d) => d * d)) / wPos;
    const lNeg = mean(dNeg.map((d) => d * d)) / wNeg;
    const dRef = idx.map((k) => vTheta[k]! - vRef[k]!);
    const kl = mean(dRef.map((d) => d * d));
    perPoint.push((clip / beta) * (r[p]! * lPos + (1 - r[p]!) * lNeg) + kappa * kl);
    idx.forEach((_, e) => {
      const g =
        (clip / beta) * (r[p]! * (2 * dPos[e]! * -t[p]! * beta) / (n * wPos) + (1 - r[p]!) * (2 * dNeg[e]! * t[p]! * beta) / (n * wNeg)) +
        (kappa * 2 * dRef[e]!) / n;
      grad.push(g / N);
    });
  }
  return { perPoint, grad };
}

const f64 = (v: readonly number[], shape = SHAPE): torch.Tensor => torch.fromTypedArray(Float64Array.from(v), shape);

test('nftLoss equals the float64 closed form, value and gradient in v_θ', () => {
  const live = torch.memoryStats().liveTensors;
  torch.scope(() => {
    const theta = f64(vTheta).requiresGrad_(true);
    const out = nftLoss({ x0: f64(x0), xt: f64(xt), t: f64(t, [N]), vTheta: theta, vOld: f64(vOld), r: f64(r, [N]), beta, clip, vRef: f64(vRef), klCoefficient: kappa });
    const want = closedForm();
    assertClose(out.perPoint.toArray(), want.perPoint, 1e-12, 1e-12, 'ℓ_p');
    assertClose([out.loss.item()], [want.perPoint.reduce((s, v) => s + v, 0) / N], 1e-12, 1e-12, 'loss');
    out.loss.backward();
    assertClose(theta.grad!.toArray(), want.grad, 1e-12, 1e-10, '∂loss/∂v_θ');
  });
  assert.equal(torch.memoryStats().liveTensors, live, 'no tensor leaks');
});

// (No finite-difference gradcheck here: the adaptive weights are stop-gradient, so autograd's gradient is, by design,
// not the derivative of the loss value; the closed-form gradient above is the check.)
test('nftLoss: the descent direction at v_θ = v_old follows r', () => {
  torch.scope(() => {
    const fixed = { x0: f64(x0), xt: f64(xt), t: f64(t, [N]), vOld: f64(vOld), beta, clip };
    // At v_θ = v_old the implicit policies coincide, so L⁺ = L⁻; the gradient moves v_θ toward the flow-matching
    // target v = ε − x₀ when r = 1 (a good sample) and away from it when r = 0.
    const target = eps.map((e, k) => e - x0[k]!);
    for (const [rv, sign] of [[1, 1], [0, -1]] as const) {
      const theta = f64(vOld).requiresGrad_(true);
      const out = nftLoss({ ...fixed, vTheta: theta, r: f64([rv, rv, rv], [N]) });
      assertClose(out.positive.toArray(), out.negative.toArray(), 1e-12, 1e-12, 'L⁺ = L⁻ at v_θ = v_old');
      out.loss.backward();
      const g = theta.grad!.toArray();
      const toward = g.reduce((s, gk, k) => s - gk * (target[k]! - vOld[k]!), 0); // ⟨−∇, v − v_θ⟩
      assert.ok(sign * toward > 0, `r = ${rv}: ⟨−∇, v − v_θ⟩ = ${toward}`);
    }
  });
});

test('optimalityProbability: r = clip(clip(A, −c, c)/(2c) + ½, 0, 1)', () => {
  torch.scope(() => {
    const a = torch.tensor([-10, -5, -2.5, 0, 2.5, 5, 7]);
    assertClose(optimalityProbability(a, 5).toArray(), [0, 0, 0.25, 0.5, 0.75, 1, 1], 1e-7, 0, 'r');
  });
  assert.throws(() => optimalityProbability(torch.zeros([1]), 0), /nft\.advantageClip must be > 0, got 0/);
});

test('nft section: defaults (the authors\' where they fit) and bad fields named', () => {
  const d = DEFAULT_NFT_SECTION;
  assert.deepEqual([d.beta, d.advantageClip, d.sampler.guidance, d.sampler.steps, d.groupSize, d.lr], [1, 5, 1, 10, 16, 3e-4]);
  assert.deepEqual(d.oldPolicy, { flat: 0, rate: 0.001, max: 0.5 });
  assert.throws(() => parseNftSection({ beta: 0 }), /field "beta"/);
  assert.throws(() => parseNftSection({ sampler: { steps: 3 }, timesteps: { perSample: 4 } }), /field "timesteps\.perSample" must not exceed the 3 grid levels/);
  assert.throws(() => parseNftSection({ oldPolicy: { max: 2 } }), /field "oldPolicy\.max"/);
  assert.throws(() => parseNftSection({ timesteps: { perSample: 4, gridEnd: 3 } }), /field "timesteps\.perSample" must not exceed the 3 grid levels gridStart\.\.gridEnd−1 .* raise timesteps\.gridEnd/);
  assert.throws(() => parseNftSection({ timesteps: { gridEnd: 11 } }), /field "timesteps\.gridEnd" must be in \(gridStart, sampler\.steps\] = \(0, 10\]/);
  assert.equal(parseNftSection({ timesteps: { gridEnd: 5 } }).timesteps.gridEnd, 5);
  assert.throws(() => parseNftSection({ cfg: 1 }), /unknown field\(s\) "cfg"/);
});

const SMALL = { promptsPerIteration: 2, groupSize: 3, sampler: { steps: 3 }, timesteps: { perSample: 2 }, minibatchSize: 4, lr: 1e-3, oldPolicy: { rate: 0.3 } };

/** A policy trained by `alg` and a copy for a resumed algorithm; `resume` saves alg's state (cloned, kept in `saved`), copies the policy's weights and loads both into a new NftAlgorithm; everything is freed after `body`. */
async function withResumable(
  seed: number,
  section: ReturnType<typeof parseNftSection>,
  body: (h: { ctx: ReturnType<typeof tinyContext>; alg: NftAlgorithm; policy2: ReturnType<typeof cloneModel>; resume: () => { resumed: NftAlgorithm; saved: AlgorithmState } }) => Promise<void>,
): Promise<void> {
  torch.setNumThreads(1);
  const ctx = tinyContext(seed);
  const alg = new NftAlgorithm(ctx, section);
  const ctx2 = { ...ctx, policy: cloneModel(ctx.policy) };
  const saved: AlgorithmState[] = [];
  const resumedAlgs: NftAlgorithm[] = [];
  const resume = (): { resumed: NftAlgorithm; saved: AlgorithmState } => {
    const state = alg.stateDict();
    const copy = { tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, v.clone()])), json: structuredClone(state.json) };
    torch.disposeAll(Object.values(state.tensors));
    saved.push(copy);
    torch.scope(() => ctx2.policy.loadStateDict(ctx.policy.stateDict()));
    const resumed = new NftAlgorithm(ctx2, section);
    resumedAlgs.push(resumed);
    resumed.loadStateDict(copy);
    return { resumed, saved: copy };
  };
  try {
    await body({ ctx, alg, policy2: ctx2.policy, resume });
  } finally {
    for (const r of resumedAlgs) r.dispose();
    for (const st of saved) torch.disposeAll(Object.values(st.tensors));
    alg.dispose();
    ctx2.policy.dispose();
    disposeContext(ctx);
  }
}

test('nft: state round trip (optimizer, old policy, steps, KL weight) gives the same next iteration; errors say what is missing', async () => {
  await withResumable(3, parseNftSection(SMALL), async ({ ctx, alg, policy2, resume }) => {
    const first = await alg.step(1);
    assert.equal(first.metrics['oldDecay'], 0.3, 'd = min(0.3·1, 0.5) after one optimizer step');
    alg.scaleKlCoefficient(2);
    const { resumed, saved } = resume();
    assert.ok(Object.keys(saved.tensors).some((k) => k.startsWith('old.')), 'the old policy is saved');
    assert.deepEqual([saved.json['optimizerSteps'], saved.json['klCoefficient']], [1, 2e-4]);
    const [a, b] = [await alg.step(2), await resumed.step(2)];
    assert.equal(a.metrics['loss'], b.metrics['loss']);
    assert.equal(resumed.klCoefficient, 2e-4);
    assert.equal(maxAbsDifference(flatParameters(ctx.policy), flatParameters(policy2)), 0);
    const noOld = { tensors: Object.fromEntries(Object.entries(saved.tensors).filter(([k]) => !k.startsWith('old.'))), json: saved.json };
    assert.throws(() => resumed.loadStateDict(noOld), /refract nft\.loadStateDict: state\.tensors\["old\..*"\] must hold a \[.*\] tensor, got nothing — resume with/);
    assert.throws(() => resumed.loadStateDict({ tensors: {}, json: {} }), /state must hold json\.klCoefficient and json\.optimizerSteps/);
  });
});

/** Mean brightness of the policy's CFG-free ODE samples on fixed prompts and seeds. */
function brightness(ctx: ReturnType<typeof tinyContext>): number {
  return torch.scope(() => {
    const texts = ['a red circle', 'two blue squares', 'a green triangle', 'a yellow square'];
    const traj = rolloutPrompts(ctx.policy, texts, texts.map((_, i) => 900 + i), { steps: 3, guidance: 1, sde: 'ode' });
    return traj.finalSample.clamp(-1, 1).add(1).div(2).mean().item();
  });
}

test('nft raises a reward that favours bright images on a toy problem, leaking no tensors', async () => {
  torch.setNumThreads(1);
  const ctx = tinyContext(11);
  const section = { ...SMALL, groupSize: 4, minibatchSize: 8, lr: 3e-3, klCoefficient: 0, oldPolicy: {} };
  const alg = new NftAlgorithm(ctx, parseNftSection(section));
  try {
    const before = brightness(ctx);
    await alg.step(1); // creates the optimizer's moments
    const live = torch.memoryStats().liveTensors;
    for (let it = 2; it <= 8; it++) await alg.step(it);
    assert.equal(torch.memoryStats().liveTensors, live, 'iterations leak no tensors');
    const after = brightness(ctx);
    assert.ok(after > before + 0.05, `brightness ${before.toFixed(4)} → ${after.toFixed(4)}`);
  } finally {
    alg.dispose();
    disposeContext(ctx);
  }
});

test('nft guidedVelocity: the stage trains v_∅ + w·(v_c − v_∅) — loss and KL equal the closed form on hand-guided velocities', () => {
  torch.setNumThreads(1);
  const policy = tinyModel(4);
  const reference = tinyModel(5); // a different anchor, so the KL term is not zero
  reference.requiresGrad_(false);
  const old = new EmaPolicy(policy);
  const optimizer = new AdamW(policy.parameters(), { lr: 0 });
  const w = 3;
  const section = parseNftSection({ ...SMALL, sampler: { steps: 3, guidance: w }, guidedVelocity: true, klCoefficient: 0.5 });
  const settings = { ...section, seed: 7 };
  const sigmas = [1, 2 / 3, 1 / 3, 0];
  try {
    torch.scope(() => {
      const texts = ['a red circle', 'two blue squares', 'a green triangle'];
      const cond = torch.noGrad(() => policy.encode(SHAPES_VOCABULARY.tokenizeBatch(texts)));
      const uncond = torch.noGrad(() => policy.encodeNull(3, SHAPES_VOCABULARY.maxTokens));
      const x0 = torch.randn([3, ...policy.sampleShape], { generator: new torch.Generator(1) }).clamp(-1, 1);
      const r = torch.tensor([1, 0.5, 0]);
      const u = nftUpdateStage({ policy, old, reference, optimizer, x0, cond, uncond, sigmas, r, settings, iteration: 2 });
      // the same points, by hand: v^w = v_∅ + w·(v_c − v_∅), per point, in float64 arrays
      const p = drawTrainingPoints(x0, cond, settings.timesteps, sigmas, 7, 2);
      const nullK = defaultConditioningOps<typeof uncond>().cat([uncond, uncond]); // K = 2 copies, as the points' cond
      const guided = (m: typeof policy): number[] =>
        torch.noGrad(() => {
          const vc = m.predict(p.xt, p.t, p.cond).toArray();
          const vu = m.predict(p.xt, p.t, nullK).toArray();
          return vc.map((c, i) => vu[i]! + w * (c - vu[i]!));
        });
      const [vTheta, vRef] = [guided(policy), guided(reference)];
      const [xt, x0K, t] = [p.xt.toArray(), p.x0.toArray(), p.t.toArray()];
      const per = xt.length / p.count;
      let positive = 0;
      let kl = 0;
      for (let q = 0; q < p.count; q++) {
        let sq = 0;
        let abs = 0;
        let d2 = 0;
        for (let j = q * per; j < (q + 1) * per; j++) {
          const e = xt[j]! - t[q]! * vTheta[j]! - x0K[j]!; // x̂₀ − x₀ with v⁺ = v_old = v_θ at the first epoch
          sq += e * e;
          abs += Math.abs(e);
          d2 += (vTheta[j]! - vRef[j]!) ** 2;
        }
        positive += sq / per / Math.max(abs / per, 1e-5);
        kl += d2 / per;
      }
      assertClose([u.positiveLoss, u.negativeLoss, u.kl], [positive / p.count, positive / p.count, kl / p.count], 1e-5, 1e-5, 'guided loss terms');
      const unguided = nftUpdateStage({ policy, old, reference, optimizer, x0, cond, sigmas, r, settings: { ...settings, guidedVelocity: false }, iteration: 2 });
      assert.ok(Math.abs(unguided.kl - u.kl) > 1e-4, `the conditional velocity gives another KL (${unguided.kl} vs ${u.kl})`);
      assert.throws(
        () => nftUpdateStage({ policy, old, reference, optimizer, x0, cond, sigmas, r, settings, iteration: 2 }),
        /nft\.guidedVelocity needs the null prompt's condition/,
      );
    });
  } finally {
    optimizer.dispose();
    old.dispose();
    policy.dispose();
    reference.dispose();
  }
  assert.throws(() => parseNftSection({ guidedVelocity: true }), /field "guidedVelocity" needs sampler\.guidance ≠ 1/);
});

test('nft skipZeroVarianceGroups: only groups whose rewards differ are trained; an all-equal iteration updates nothing', async () => {
  torch.setNumThreads(1);
  // group 0 (samples 0–2) scores a constant, group 1 its brightness: only group 1 carries a signal
  const partly: RewardModel = {
    ...brightnessReward,
    async score(batch) {
      const b = (await brightnessReward.score(batch)).total;
      const total = b.map((v, i) => (i < 3 ? 0.5 : v));
      return { total, components: { brightness: total }, meta: { name: 'partly', version: '1' } };
    },
  };
  const constant: RewardModel = { ...partly, async score(batch) { const total = new Float32Array(batch.rgb!.length).fill(0.5); return { total, components: { brightness: total }, meta: { name: 'constant', version: '1' } }; } };
  const ctx = { ...tinyContext(3), reward: partly };
  const alg = new NftAlgorithm(ctx, parseNftSection({ ...SMALL, skipZeroVarianceGroups: true }));
  const quiet = new NftAlgorithm({ ...ctx, reward: constant }, parseNftSection({ ...SMALL, skipZeroVarianceGroups: true }));
  try {
    const log = await alg.step(1);
    assert.equal(log.diagnostics['trained_samples'], 3, 'group 1 only (3 samples of 6)');
    assert.equal(log.samples, 6, 'every generated sample counts against the budget');
    assert.ok(Number.isFinite(log.metrics['loss']) && log.metrics['optimizerSteps']! > 0, 'it trained');
    const before = flatParameters(ctx.policy);
    const none = await quiet.step(2);
    assert.equal(none.diagnostics['trained_samples'], 0);
    assert.equal(maxAbsDifference(before, flatParameters(ctx.policy)), 0, 'no update without a signal');
  } finally {
    alg.dispose();
    quiet.dispose();
    disposeContext(ctx);
  }
});

test('nft lrDecay and evaluatedEma: lr follows the half cosine in the optimizer steps; the evaluated copy is d·e + (1 − d)·θ; swap-in restores exactly; both survive a state round trip', async () => {
  const section = parseNftSection({ ...SMALL, lrDecay: { steps: 4, minRatio: 0.1 }, evaluatedEma: { decay: 0.75 } });
  await withResumable(5, section, async ({ ctx, alg, policy2, resume }) => {
    const cosine = (s: number): number => 1e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, s / 4))));
    const evaluated = (a: NftAlgorithm, policy = ctx.policy): number[] => {
      const restore = a.swapInEvaluatedWeights();
      try {
        return flatParameters(policy);
      } finally {
        restore();
      }
    };
    const theta0 = flatParameters(ctx.policy);
    const lrs: number[] = [];
    lrs.push((await alg.step(1)).metrics['lr']!);
    const theta1 = flatParameters(ctx.policy);
    const e1 = evaluated(alg);
    assert.equal(maxAbsDifference(flatParameters(ctx.policy), theta1), 0, 'swap-in then restore gives back the trained weights bit for bit');
    assert.ok(maxAbsDifference(theta1, theta0) > 1e-6, 'the step moved the policy');
    assertClose(e1, theta0.map((e, i) => 0.75 * e + 0.25 * theta1[i]!), 1e-6);
    const { resumed, saved } = resume();
    assert.ok(Object.keys(saved.tensors).some((k) => k.startsWith('evaluated.')), 'the evaluated copy is saved');
    const [a, b] = [await alg.step(2), await resumed.step(2)];
    assert.equal(a.metrics['loss'], b.metrics['loss']);
    assert.equal(a.metrics['lr'], b.metrics['lr'], 'the resumed schedule is where the saved one was');
    assert.equal(maxAbsDifference(evaluated(alg), evaluated(resumed, policy2)), 0, 'the resumed evaluated copy moves as the saved one');
    lrs.push(a.metrics['lr']!);
    for (let it = 3; it <= 6; it++) lrs.push((await alg.step(it)).metrics['lr']!);
    assertClose(lrs, [1, 2, 3, 4, 5, 6].map(cosine), 1e-12);
    assert.equal(lrs[5], 1e-4, 'held at minRatio·lr after `steps`');
  });
});

test('nft hindsight: relabelled samples are trained as successes under the prompt they show, only those the source admits; a reward without relabels is refused', async () => {
  torch.setNumThreads(1);
  // a constant reward: every r = ½, so at θ = θ_old = θ_ref the group-relative part of the loss has zero gradient and
  // any move of the weights comes from the relabelled samples (r = 1)
  const relabelling = (texts: (string | null)[]): RewardModel => ({
    ...brightnessReward,
    async score(batch) {
      const total = new Float32Array(batch.rgb!.length).fill(0.5);
      const hindsight = batch.prompts.map((_, i) => (texts[i] ? { text: texts[i]! } : null));
      return { total, components: { c: total }, hindsight, meta: { name: 'relabelling', version: '1' } };
    },
  });
  const section = parseNftSection({ ...SMALL, klCoefficient: 0, hindsight: { r: 1, maxPerIteration: 2 } });
  const run = async (reward: RewardModel, admits: boolean) => {
    const base = tinyContext(4);
    const ctx = { ...base, reward, prompts: { ...base.prompts, admits: () => admits } };
    const alg = new NftAlgorithm(ctx, section);
    const before = flatParameters(ctx.policy);
    try {
      const log = await alg.step(1);
      return { log, moved: maxAbsDifference(before, flatParameters(ctx.policy)) };
    } finally {
      alg.dispose();
      disposeContext(ctx);
    }
  };
  const texts = ['a square', null, 'a red circle', 'a circle', null, null]; // three relabels, capped at two
  const admitted = await run(relabelling(texts), true);
  assert.equal(admitted.log.diagnostics['hindsight_samples'], 2, 'maxPerIteration caps the relabels');
  assert.ok(admitted.moved > 1e-4, `the relabelled samples move the policy (max |Δθ| ${admitted.moved})`);
  const refused = await run(relabelling(texts), false);
  assert.equal(refused.log.diagnostics['hindsight_samples'], 0);
  assert.ok(refused.moved < 1e-6, `r = ½ everywhere and no admitted relabel: no move (max |Δθ| ${refused.moved})`);
  await assert.rejects(run(brightnessReward, true), /nft.hindsight needs a reward that relabels, got brightness without hindsight prompts/);
});

test('withRelabelledSamples: the batch, then each relabelled x₀ again under its prompt\'s encoding with the given weight', () => {
  torch.setNumThreads(1);
  const policy = tinyModel(2);
  try {
    torch.scope(() => {
      const x0 = torch.randn([3, 1, 2, 2]);
      const cond = policy.encode(SHAPES_VOCABULARY.tokenizeBatch(['a circle', 'a square', 'a cross']));
      const batch = { x0: x0.narrow(0, 0, 2), cond: defaultConditioningOps<typeof cond>().slice(cond, 0, 2), weight: torch.tensor([0.2, 0.7]) };
      const out = withRelabelledSamples(batch, x0, [null, null, 'a circle'], 0.9, policy, undefined);
      assert.deepEqual(out.x0.shape, [3, 1, 2, 2]);
      assertClose(out.x0.narrow(0, 2, 1).toArray() as number[], x0.narrow(0, 2, 1).toArray() as number[], 0);
      assertClose(out.weight.toArray() as number[], [0.2, 0.7, 0.9], 1e-7);
      // the relabelled sample is conditioned on "a circle" — sample 0's prompt encoding
      const pooled = (c: PolicyCondition, i: number) => (c as PromptCondition).pooled.narrow(0, i, 1).toArray() as number[];
      assertClose(pooled(out.cond, 2), pooled(cond, 0), 0);
      assert.ok(Math.max(...pooled(cond, 0).map((v, k) => Math.abs(v - pooled(cond, 2)[k]!))) > 1e-6, 'the prompts encode differently');
      assert.equal(withRelabelledSamples(batch, x0, [null, null, null], 0.9, policy, undefined), batch, 'no relabel: the batch itself');
    });
  } finally {
    policy.dispose();
  }
});

test('pairedOptimality: a relabelled sample\'s r under its asked prompt is capped at 1 − r_h; others unchanged', () => {
  torch.scope(() => {
    const r = torch.tensor([0.9, 0.6, 0.1, 0.3], { dtype: 'float32' });
    assertClose(pairedOptimality(r, ['a circle', null, 'a square', 'a cross'], 0.75).toArray() as number[], [0.25, 0.6, 0.1, 0.25], 1e-7);
    assertClose(pairedOptimality(r, [null, null, null, null], 0.75).toArray() as number[], [0.9, 0.6, 0.1, 0.3], 0);
  });
});

test('nft encoder: the prompt encoder trains in a group of its own; θ, old and reference each encode the prompts (KL and old deviation 0 at the start); the reference and a run without it keep theirs; resume is exact; refusals', async () => {
  const section = parseNftSection({ ...SMALL, klCoefficient: 1, encoder: { lr: 1e-2 } });
  await withResumable(5, section, async ({ ctx, alg, policy2, resume }) => {
    const encoder = (m: { encoder: { parameters(): torch.Tensor[] } }): number[] => flatParameters(m.encoder);
    const [policyEnc0, refEnc0] = [encoder(ctx.policy), encoder(ctx.reference as typeof ctx.policy)];
    const first = await alg.step(1);
    // θ = θ_old = θ_ref at the first epoch: any encoding that is not the model's own would show here
    assert.equal(first.metrics['kl'], 0, 'v_θ and v_ref agree at the start (each encoded with its own, equal, encoder)');
    assert.equal(first.diagnostics['old_deviation'], 0);
    assert.ok(maxAbsDifference(encoder(ctx.policy), policyEnc0) > 1e-4, 'the policy\'s encoder moved');
    assert.equal(maxAbsDifference(encoder(ctx.reference as typeof ctx.policy), refEnc0), 0, 'the reference\'s did not');
    const { resumed, saved } = resume();
    assert.ok(Object.keys(saved.tensors).some((k) => k.startsWith('old.encoder.')), 'the old policy holds the encoder');
    const [a, b] = [await alg.step(2), await resumed.step(2)];
    assert.ok(a.metrics['kl']! > 0, 'the policy left the reference');
    assert.equal(a.metrics['loss'], b.metrics['loss']);
    assert.equal(maxAbsDifference(flatParameters(ctx.policy), flatParameters(policy2)), 0, 'resume is exact, encoder included');
    const live = torch.memoryStats().liveTensors;
    await alg.step(3);
    assert.equal(torch.memoryStats().liveTensors, live, 'an iteration leaks no tensors');
  });
  // the encoder's lr is its own group's; without the field the encoder stays the base's
  torch.setNumThreads(1);
  const ctx = tinyContext(6);
  const frozen = new NftAlgorithm(ctx, parseNftSection(SMALL));
  try {
    const enc0 = flatParameters(ctx.policy.encoder);
    await frozen.step(1);
    assert.equal(maxAbsDifference(flatParameters(ctx.policy.encoder), enc0), 0, 'frozen without nft.encoder');
  } finally {
    frozen.dispose();
    disposeContext(ctx);
  }
  assert.throws(() => parseNftSection({ encoder: { lr: 1e-4 }, hindsight: {} }), /encoder.*cannot be combined with hindsight/);
  assert.throws(() => parseNftSection({ encoder: { lr: 0 } }), /encoder\.lr/);
});

test('nft encoder, stage: v_θ and v_ref each encode the token ids with their own encoder — the KL equals the hand-computed one; without tokens it is refused', () => {
  torch.setNumThreads(1);
  const policy = tinyModel(4);
  const reference = tinyModel(5); // another encoder and denoiser: a shared encoding would show in the KL
  reference.requiresGrad_(false);
  const old = new EmaPolicy(policy);
  const optimizer = new AdamW(policy.parameters(), { lr: 0 });
  const section = parseNftSection({ ...SMALL, klCoefficient: 0.5, encoder: { lr: 1e-4 } });
  const settings = { ...section, seed: 7 };
  const sigmas = [1, 2 / 3, 1 / 3, 0];
  try {
    torch.scope(() => {
      const tokens = SHAPES_VOCABULARY.tokenizeBatch(['a red circle to the left of a blue square', 'two blue squares', 'a green triangle']);
      const cond = torch.noGrad(() => policy.encode(tokens));
      const x0 = torch.randn([3, ...policy.sampleShape], { generator: new torch.Generator(1) }).clamp(-1, 1);
      const r = torch.tensor([1, 0.5, 0]);
      const u = nftUpdateStage({ policy, old, reference, optimizer, x0, cond, tokens, sigmas, r, settings, iteration: 2 });
      const p = drawTrainingPoints(x0, cond, settings.timesteps, sigmas, 7, 2);
      const tokensK = torch.cat([tokens, tokens], 0); // K = 2 copies, as the points
      const own = (m: typeof policy): number[] => torch.noGrad(() => m.predict(p.xt, p.t, m.encode(tokensK)).toArray());
      const [vTheta, vRef] = [own(policy), own(reference)];
      const per = vTheta.length / p.count;
      let kl = 0;
      for (let q = 0; q < p.count; q++) {
        let d2 = 0;
        for (let j = q * per; j < (q + 1) * per; j++) d2 += (vTheta[j]! - vRef[j]!) ** 2;
        kl += d2 / per;
      }
      assertClose([u.kl, u.oldDeviation], [kl / p.count, 0], 1e-6, 1e-6, 'KL against the reference\'s own encoding');
      const frozen = nftUpdateStage({ policy, old, reference, optimizer, x0, cond, sigmas, r, settings: { ...settings, encoder: undefined }, iteration: 2 });
      assert.ok(Math.abs(frozen.kl - u.kl) > 1e-4, `a frozen encoder hands the reference the policy's encoding (${frozen.kl} vs ${u.kl})`);
      assert.throws(() => nftUpdateStage({ policy, old, reference, optimizer, x0, cond, sigmas, r, settings, iteration: 2 }), /nft\.encoder needs the samples' token ids/);
    });
  } finally {
    optimizer.dispose();
    old.dispose();
    policy.dispose();
    reference.dispose();
  }
});

test('nft stepsPerEpoch: S optimizer steps per epoch over consecutive chunks of the points; first-epoch diagnostics over all points (equal to one step\'s at lr 0)', async () => {
  torch.setNumThreads(1);
  const run = async (extra: Record<string, unknown>): Promise<{ log: Awaited<ReturnType<NftAlgorithm['step']>>; params: number[] }> => {
    const ctx = tinyContext(8);
    const alg = new NftAlgorithm(ctx, parseNftSection({ ...SMALL, klCoefficient: 0.5, ...extra }));
    try {
      const log = await alg.step(1);
      return { log, params: flatParameters(ctx.policy) };
    } finally {
      alg.dispose();
      disposeContext(ctx);
    }
  };
  const [one, two] = [await run({ lr: 1e-12 }), await run({ lr: 1e-12, stepsPerEpoch: 2, innerEpochs: 2 })];
  assert.equal(one.log.metrics['optimizerSteps'], 1);
  assert.equal(two.log.metrics['optimizerSteps'], 4, '2 epochs × 2 steps');
  assertClose([two.log.metrics['positiveLoss']!, two.log.metrics['kl']!], [one.log.metrics['positiveLoss']!, one.log.metrics['kl']!], 1e-6, 1e-6, 'first-epoch sums over all 12 points');
  const [a, b] = [await run({}), await run({ stepsPerEpoch: 2 })];
  assert.ok(maxAbsDifference(a.params, b.params) > 1e-5, 'two steps move the policy differently from one');
  const many = await run({ stepsPerEpoch: 50 }); // more steps than the 12 points: one point per step
  assert.equal(many.log.metrics['optimizerSteps'], 12);
  assert.throws(() => parseNftSection({ stepsPerEpoch: 0 }), /stepsPerEpoch/);
});
