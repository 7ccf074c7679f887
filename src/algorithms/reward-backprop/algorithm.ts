// Reward back-propagation as an Algorithm (algorithm.ts): ReFL or DRaFT-K / DRaFT-LV on a differentiable reward.
// One iteration: draw prompts and x_T → ODE-sample with a graph only where the method keeps one (ode-backprop.ts)
// → loss = −λ·mean r(x̂₀) (+ the reference anchor) → AdamW on the policy. The reward model itself is never updated.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import { ConfigError } from '../../config/load.js';
import { SHAPES_VOCABULARY } from '../../data/shapes/vocab.js';
import { flowSigmas } from '../../generate/flow-schedule.js';
import { guidedModel } from '../../generate/guidance.js';
import { defaultConditioningOps } from '../../generate/conditioning.js';
import { standardNormal } from '../../generate/per-sample.js';
import { sampleShape } from '../../pipeline/text-to-image.js';
import type { PolicyCondition } from '../../models/index.js';
import { isDifferentiable, type DifferentiableRewardModel, type RewardModel, type RewardPrompt } from '../../rewards/types.js';
import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from '../algorithm.js';
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import { policyOptimizer } from '../policy-optimizer.js';
import { reflStopRange, type RewardBackpropSection } from './config.js';
import { draftLvPredictions, draftSample, reflPrediction } from './ode-backprop.js';
import { referenceAnchor } from './anchor.js';
import { rewardSummary, type StepLogTail } from '../step-log.js';
import { averageLog, clippedGradNorm, gatherRewards, shardRange, type SampleRange } from '../data-parallel.js';

/** The reward as a differentiable one, or an error naming it and what to use instead. */
export function requireDifferentiable(reward: RewardModel, where = 'refract train'): DifferentiableRewardModel {
  if (!isDifferentiable(reward)) {
    // A ConfigError: the fix is in the run config's `rewards` (the CLI prints it without a stack, exit 2).
    throw new ConfigError(where, [
      `reward-backprop (ReFL / DRaFT) needs a differentiable reward, got "${reward.name}" (differentiable: false) — ` +
        'use a learned reward model (in a config `rewards: [{ kind: preference }]`, for refract compare under `rewardOverrides.reward_backprop`; ' +
        'in code rewards/preference: BradleyTerryRewardModel or RewardEnsemble, e.g. trainSyntheticPreferenceReward), ' +
        'or train against this reward with grpo or dpo',
    ]);
  }
  return reward;
}

interface Generated {
  /** What the reward scores, with its graph: x₀ (DRaFT), n re-noised x̂₀ (DRaFT-LV) or x̂₀ at the stop step (ReFL). */
  scored: Tensor;
  /** The prompts of `scored`'s rows. */
  prompts: RewardPrompt[];
  /** The iteration's own samples (detached), one per prompt: what the reward log and the anchor use. */
  samples: Tensor;
  stopStep: number;
}

/** The numbers one update leaves (its tensors freed), plus the detached samples the log scores. */
interface UpdateOutcome {
  samples: Tensor;
  value: number;
  gradNorm: number;
  rewardMean: number;
  anchor: number;
  stopStep: number;
}

export class RewardBackpropAlgorithm implements Algorithm {
  readonly name: string;
  readonly #ctx: AlgorithmContext;
  readonly #config: Readonly<RewardBackpropSection>;
  readonly #reward: DifferentiableRewardModel;
  readonly #optimizer: AdamW;
  readonly #sigmas: number[];

  constructor(ctx: AlgorithmContext, section: Readonly<RewardBackpropSection>) {
    this.#reward = requireDifferentiable(ctx.reward);
    this.#ctx = ctx;
    this.#config = section;
    this.name = `reward-backprop-${section.method}`;
    this.#optimizer = policyOptimizer(ctx, section.lr);
    this.#sigmas = flowSigmas(section.sampler.steps);
  }

  async step(iteration: number): Promise<AlgorithmStepLog> {
    const rng = new Rng(deriveSeed(this.#ctx.seed, iteration, 1));
    const all = Array.from({ length: this.#config.batchSize }, () => this.#ctx.prompts.sample(rng));
    // Data parallel (../data-parallel.ts): this rank generates and back-propagates its share; gradients are averaged.
    const dp = this.#ctx.dataParallel;
    const range = dp ? shardRange(all.length, dp.rank, dp.worldSize) : null;
    const prompts = range ? all.slice(range.start, range.end) : all;
    this.#optimizer.zeroGrad();
    const out = torch.scope(() => this.#backward(iteration, prompts, range, all.length));
    const skipped = !Number.isFinite(out.gradNorm);
    if (skipped) this.#optimizer.zeroGrad();
    else this.#optimizer.step();
    try {
      // The reward's own (no-grad) view of this iteration's samples, with its components, for the log.
      const own = await this.#reward.score({ images: out.samples, prompts });
      const scored = dp ? gatherRewards(own, dp) : own;
      const tail: StepLogTail = {
        metrics: { loss: out.value, rewardOfScored: out.rewardMean, anchor: out.anchor, gradNorm: out.gradNorm },
        diagnostics: { stop_step: out.stopStep },
        skippedUpdate: skipped,
        klToReference: NaN,
      };
      return { samples: all.length, ...rewardSummary(scored), ...(dp ? averageLog(tail, dp) : tail) };
    } finally {
      out.samples.dispose();
    }
  }

  /** loss = −λ·mean r(x̂₀) (+ w·anchor), backward and gradient clipping when finite (inside the caller's scope). */
  #backward(iteration: number, prompts: RewardPrompt[], range: SampleRange | null, total: number): UpdateOutcome {
    const { policy, reference, seed } = this.#ctx;
    const c = this.#config;
    const vocabulary = this.#ctx.vocabulary ?? SHAPES_VOCABULARY;
    const tokens = vocabulary.tokenizeBatch(prompts.map((p) => p.text));
    const { cond, uncond } = torch.noGrad(() => ({
      cond: policy.encode(tokens),
      uncond: policy.encodeNull(prompts.length, vocabulary.maxTokens),
    }));
    const g = this.#generate(iteration, prompts, cond, uncond, range, total);
    const r = this.#reward.scoreDifferentiable(g.scored, g.prompts); // r(x̂₀) [B] or [n·B]
    const rewardLoss = r.mean().mul(-c.rewardScale); // −λ·mean r
    const anchor =
      c.regularizer.kind === 'reference' && c.regularizer.weight > 0
        ? referenceAnchor(policy, reference, g.samples, tokens, deriveSeed(seed, iteration, 6), range ? { start: range.start, total } : undefined)
        : null;
    const loss = anchor === null ? rewardLoss : rewardLoss.add(anchor.mul(c.regularizer.weight));
    const value = loss.item();
    const finite = Number.isFinite(value);
    if (finite) loss.backward();
    // every rank reaches this (the gradient average is a collective); NaN when any rank's loss was not finite
    const gradNorm = clippedGradNorm(this.#optimizer, this.#optimizer.paramGroups.flatMap((p) => p.params), c.gradClip, finite);
    const rewardMean = r.detach().mean().item();
    return { samples: g.samples, value, gradNorm, rewardMean, anchor: anchor?.item() ?? NaN, stopStep: g.stopStep };
  }

  /** x_T from per-sample seeds, then the method's sampler pass (ReFL, DRaFT-K or DRaFT-LV). */
  #generate(it: number, prompts: RewardPrompt[], cond: PolicyCondition, uncond: PolicyCondition, range: SampleRange | null, total: number): Generated {
    const c = this.#config;
    const model = guidedModel(this.#ctx.policy.denoiser(), { uncond, scale: c.sampler.guidance });
    const first = range?.start ?? 0; // seeds keyed by the sample's index in the iteration's full draw
    const gens = prompts.map((_, i) => new torch.Generator(deriveSeed(this.#ctx.seed, it, 2, first + i)));
    const xT = standardNormal([prompts.length, ...sampleShape(this.#ctx.policy)], 'float32', gens, 'reward-backprop'); // x_T
    gens.forEach((g) => g.dispose());
    try {
      if (c.method === 'refl') {
        const [first, last] = reflStopRange(c);
        const stop = new Rng(deriveSeed(this.#ctx.seed, it, 4)).int(first, last);
        const x0 = reflPrediction(model, cond, xT, this.#sigmas, stop);
        return { scored: x0, prompts, samples: x0.detach(), stopStep: stop };
      }
      const x0 = draftSample(model, cond, xT, this.#sigmas, c.draft.k);
      if (c.draft.lvSamples === 1) return { scored: x0, prompts, samples: x0.detach(), stopStep: this.#sigmas.length - 1 - c.draft.k };
      const samples = x0.detach();
      x0.dispose();
      return this.#draftLv(it, prompts, cond, uncond, samples, first, total);
    } finally {
      xT.dispose();
    }
  }

  /** DRaFT-LV: n re-noisings of the detached sample, each denoised in one step with a graph. */
  #draftLv(it: number, prompts: RewardPrompt[], cond: PolicyCondition, uncond: PolicyCondition, samples: Tensor, first: number, total: number): Generated {
    const n = this.#config.draft.lvSamples;
    const gen = new torch.Generator(deriveSeed(this.#ctx.seed, it, 5));
    // drawn for all `total` samples of the iteration and narrowed to this rank's rows (all of them in one process)
    const B = samples.shape[0]!;
    const noises = Array.from({ length: n }, () => {
      const all = torch.randn([total, ...samples.shape.slice(1)], { generator: gen });
      return B === total ? all : all.narrow(0, first, B);
    });
    gen.dispose();
    const ops = defaultConditioningOps<PolicyCondition>();
    const lvModel = guidedModel(this.#ctx.policy.denoiser(), { uncond: ops.cat(Array(n).fill(uncond)), scale: this.#config.sampler.guidance });
    const sigmas = this.#sigmas;
    const scored = draftLvPredictions(lvModel, ops.cat(Array(n).fill(cond)), samples, sigmas[sigmas.length - 2]!, noises);
    torch.disposeAll(noises);
    return { scored, prompts: Array.from({ length: n }, () => prompts).flat(), samples, stopStep: sigmas.length - 2 };
  }

  stateDict(): AlgorithmState {
    return optimizerToState(this.#optimizer);
  }

  loadStateDict(state: AlgorithmState): void {
    optimizerFromState(this.#optimizer, state, 'reward-backprop.loadStateDict');
  }

  dispose(): void {
    this.#optimizer.dispose();
  }
}
