// Reward back-propagation as an Algorithm (algorithm.ts): ReFL or DRaFT-K / DRaFT-LV on a differentiable reward.
// One iteration: draw prompts and x_T → ODE-sample with a graph only where the method keeps one (ode-backprop.ts)
// → loss = −λ·mean r(x̂₀) (+ the reference anchor) → AdamW on the policy. The reward model itself is never updated.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { AdamW, clipGradNorm_ } from '../../torch/optim/index.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import { ConfigError } from '../../config/load.js';
import { SHAPES_VOCABULARY } from '../../data/shapes/vocab.js';
import { flowSigmas } from '../../generate/flow-schedule.js';
import { guidedModel } from '../../generate/guidance.js';
import { defaultConditioningOps } from '../../generate/conditioning.js';
import { standardNormal } from '../../generate/per-sample.js';
import { sampleShape } from '../../pipeline/text-to-image.js';
import type { PromptCondition } from '../../models/index.js';
import { isDifferentiable, type DifferentiableRewardModel, type RewardModel, type RewardPrompt } from '../../rewards/types.js';
import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from '../algorithm.js';
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import { parseRewardBackpropSection, reflStopRange } from './config.js';
import { draftLvPredictions, draftSample, reflPrediction } from './ode-backprop.js';
import { referenceAnchor } from './anchor.js';
import { rewardSummary } from '../step-log.js';

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

export function createRewardBackprop(ctx: AlgorithmContext, section: unknown): Algorithm {
  const config = parseRewardBackpropSection(section);
  const reward = requireDifferentiable(ctx.reward);
  const { policy, reference } = ctx;
  policy.eval();
  policy.encoder.requiresGrad_(false); // the prompt encoder stays the base's
  const params = policy.parameters().filter((p) => p.requiresGrad);
  const optimizer = new AdamW(params, { lr: config.lr, weightDecay: 0 });
  const sigmas = flowSigmas(config.sampler.steps);

  const generate = (it: number, prompts: RewardPrompt[], cond: PromptCondition, uncond: PromptCondition): Generated => {
    const model = guidedModel(policy.denoiser(), { uncond, scale: config.sampler.guidance });
    const gens = prompts.map((_, i) => new torch.Generator(deriveSeed(ctx.seed, it, 2, i)));
    const xT = standardNormal([prompts.length, ...sampleShape(policy)], 'float32', gens, 'reward-backprop'); // x_T
    gens.forEach((g) => g.dispose());
    try {
      if (config.method === 'refl') {
        const [first, last] = reflStopRange(config);
        const stop = new Rng(deriveSeed(ctx.seed, it, 4)).int(first, last);
        const x0 = reflPrediction(model, cond, xT, sigmas, stop);
        return { scored: x0, prompts, samples: x0.detach(), stopStep: stop };
      }
      const x0 = draftSample(model, cond, xT, sigmas, config.draft.k);
      const n = config.draft.lvSamples;
      if (n === 1) return { scored: x0, prompts, samples: x0.detach(), stopStep: sigmas.length - 1 - config.draft.k };
      const samples = x0.detach();
      x0.dispose();
      const gen = new torch.Generator(deriveSeed(ctx.seed, it, 5));
      const noises = Array.from({ length: n }, () => torch.randn(samples.shape, { generator: gen }));
      gen.dispose();
      const ops = defaultConditioningOps<PromptCondition>();
      const lvModel = guidedModel(policy.denoiser(), { uncond: ops.cat(Array(n).fill(uncond)), scale: config.sampler.guidance });
      const scored = draftLvPredictions(lvModel, ops.cat(Array(n).fill(cond)), samples, sigmas[sigmas.length - 2]!, noises);
      torch.disposeAll(noises);
      return { scored, prompts: Array.from({ length: n }, () => prompts).flat(), samples, stopStep: sigmas.length - 2 };
    } finally {
      xT.dispose();
    }
  };

  return {
    name: `reward-backprop-${config.method}`,
    async step(iteration: number): Promise<AlgorithmStepLog> {
      const rng = new Rng(deriveSeed(ctx.seed, iteration, 1));
      const prompts = Array.from({ length: config.batchSize }, () => ctx.prompts.sample(rng));
      optimizer.zeroGrad();
      const out = torch.scope(() => {
        const vocabulary = ctx.vocabulary ?? SHAPES_VOCABULARY;
        const tokens = vocabulary.tokenizeBatch(prompts.map((p) => p.text));
        const { cond, uncond } = torch.noGrad(() => ({
          cond: policy.encode(tokens),
          uncond: policy.encodeNull(prompts.length, vocabulary.maxTokens),
        }));
        const g = generate(iteration, prompts, cond, uncond);
        const r = reward.scoreDifferentiable(g.scored, g.prompts); // r(x̂₀) [B] or [n·B]
        const rewardLoss = r.mean().mul(-config.rewardScale); // −λ·mean r
        const anchor =
          config.regularizer.kind === 'reference' && config.regularizer.weight > 0
            ? referenceAnchor(policy, reference, g.samples, tokens, deriveSeed(ctx.seed, iteration, 6))
            : null;
        const loss = anchor === null ? rewardLoss : rewardLoss.add(anchor.mul(config.regularizer.weight));
        const value = loss.item();
        let gradNorm = NaN;
        if (Number.isFinite(value)) {
          loss.backward();
          gradNorm = clipGradNorm_(params, config.gradClip);
        }
        return {
          samples: g.samples,
          value,
          gradNorm,
          rewardMean: r.detach().mean().item(),
          anchor: anchor?.item() ?? NaN,
          stopStep: g.stopStep,
        };
      });
      const skipped = !Number.isFinite(out.gradNorm);
      if (skipped) optimizer.zeroGrad();
      else optimizer.step();
      try {
        // The reward's own (no-grad) view of this iteration's samples, with its components, for the log.
        const scored = await reward.score({ images: out.samples, prompts });
        return {
          samples: prompts.length,
          ...rewardSummary(scored),
          metrics: { loss: out.value, rewardOfScored: out.rewardMean, anchor: out.anchor, gradNorm: out.gradNorm },
          diagnostics: { stop_step: out.stopStep },
          skippedUpdate: skipped,
          klToReference: NaN,
        };
      } finally {
        out.samples.dispose();
      }
    },
    stateDict(): AlgorithmState {
      return optimizerToState(optimizer);
    },
    loadStateDict(state: AlgorithmState): void {
      optimizerFromState(optimizer, state, 'reward-backprop.loadStateDict');
    },
    dispose(): void {
      optimizer.dispose();
    },
  };
}

