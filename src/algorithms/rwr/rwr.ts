// Reward-weighted regression as an Algorithm (src/algorithms/algorithm.ts): sample a batch from the policy (ODE or
// SDE sampler) → reward → advantages (credit/: group-relative or per-prompt tracker) → weights w ∝ exp(A/τ)
// (weights.ts) → weighted flow-matching update (update-stage.ts). Online RWR in the sense of Peng et al.
// (arXiv 1910.00177): each iteration regresses onto the current policy's own samples, reweighted by reward.
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { AdamW } from '../../torch/optim/index.js';
import { tensorToImages } from '../../data/image-tensor.js';
import { groupRelativeAdvantages } from '../../credit/group-relative.js';
import { PerPromptStatTracker, type StatTrackerState } from '../../credit/stat-tracker.js';
import { advantageStats } from '../../credit/advantages.js';
import { rolloutPrompts } from '../../pipeline/text-to-image.js';
import type { RewardResult } from '../../rewards/types.js';
import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from '../algorithm.js';
import { drawPromptGroups, type PromptGroups } from '../prompt-groups.js';
import { nonFiniteCount, nonFiniteRewardLog, rewardSummary, type StepLogTail as LogTail } from '../step-log.js';
import { rewardWeights, effectiveSampleSize } from './weights.js';
import { rwrUpdateStage, type RwrUpdateDiagnostics } from './update-stage.js';
import type { RwrSection, RwrSettings } from './config.js';

export class RwrAlgorithm implements Algorithm {
  readonly name = 'rwr';
  readonly #ctx: AlgorithmContext;
  readonly #settings: Readonly<RwrSettings>;
  readonly #optimizer: AdamW;
  /** DDPO's per-prompt buffers, when advantage.kind is 'tracker'. */
  readonly #tracker: PerPromptStatTracker | null;

  constructor(ctx: AlgorithmContext, section: Readonly<RwrSection>) {
    this.#ctx = ctx;
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
    ctx.policy.eval(); // no dropout
    ctx.policy.encoder.requiresGrad_(false); // conditions are encoded under noGrad; the encoder stays the base's
    this.#optimizer = new AdamW(ctx.policy.parameters().filter((p) => p.requiresGrad), { lr: section.lr, weightDecay: 0 });
    const a = section.advantage;
    this.#tracker = a.kind === 'tracker' ? new PerPromptStatTracker({ bufferSize: a.bufferSize, minCount: a.minCount }) : null;
  }

  async step(iteration: number): Promise<AlgorithmStepLog> {
    const t0 = performance.now();
    const s = this.#settings;
    const { policy, reference, reward, prompts, vocabulary } = this.#ctx;
    const groups = drawPromptGroups(prompts, s.seed, iteration, s.promptsPerIteration, s.samplesPerPrompt);
    const sm = s.sampler;
    const trajectory = rolloutPrompts(policy, groups.prompts.map((p) => p.text), groups.seeds, {
      steps: sm.steps,
      guidance: sm.guidance,
      sde: sm.kind,
      noiseLevel: sm.noiseLevel,
      ...(sm.kind === 'ode' ? {} : { sdeWindow: [0, sm.steps - 1] as const }),
      ...(vocabulary ? { vocabulary } : {}),
    });
    try {
      const rgb = tensorToImages(trajectory.finalSample);
      const scored = await reward.score({ rgb, prompts: groups.prompts, metadata: { iteration, seeds: groups.seeds } });
      const head = { samples: groups.prompts.length, ...rewardSummary(scored) };
      const nonFinite = nonFiniteCount(scored.total);
      if (nonFinite > 0) return { ...head, ...nonFiniteRewardLog(nonFinite, (performance.now() - t0) / 1000) };
      return torch.scope(() => {
        const advantages = this.#advantages(scored, groups);
        const A = advantages.toArray();
        const weights = rewardWeights(A, s.temperature, s.maxWeight);
        const samples = trajectory.finalSample.clamp(-1, 1); // the data range the base was trained on
        const update = rwrUpdateStage({ policy, reference, optimizer: this.#optimizer, samples, cond: trajectory.cond, weights, settings: s, iteration });
        return { ...head, ...stepLog(update, advantageStats(advantages), weights, t0) };
      });
    } finally {
      torch.disposeAll(trajectory); // its tensors and the conditioning it was sampled with
    }
  }

  #advantages(scored: RewardResult, groups: PromptGroups): Tensor {
    const a = this.#settings.advantage;
    if (this.#tracker !== null) return this.#tracker.update(groups.prompts.map((p) => p.text), scored.total);
    return groupRelativeAdvantages(scored.total, groups.groupIds, { std: a.std });
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.#optimizer);
    if (this.#tracker !== null) state.json['statTracker'] = this.#tracker.stateDict();
    return state;
  }

  loadStateDict(state: AlgorithmState): void {
    const tracker = state.json['statTracker'] as StatTrackerState | undefined;
    if (this.#tracker !== null && tracker === undefined) {
      throw new Error('refract rwr: state must hold json.statTracker — was it saved by RWR with the same advantage.kind?');
    }
    optimizerFromState(this.#optimizer, state, 'rwr.loadStateDict');
    if (this.#tracker !== null) this.#tracker.loadStateDict(tracker!);
  }

  dispose(): void {
    this.#optimizer.dispose();
  }
}

function stepLog(u: RwrUpdateDiagnostics, adv: ReturnType<typeof advantageStats>, weights: readonly number[], t0: number): LogTail {
  const klToReference = u.anchorBeforeUpdate / 2; // ½·mean‖v_θ − v_ref‖² (loss.ts: the path-KL integrand up to the schedule)
  return {
    metrics: {
      loss: u.loss,
      weightedFlowMatching: u.weightedFlowMatching,
      meanFlowMatching: u.meanFlowMatching,
      kl: klToReference,
      gradNorm: u.gradNorm,
      optimizerSteps: u.optimizerSteps,
      seconds: (performance.now() - t0) / 1000,
    },
    diagnostics: {
      weight_max: Math.max(...weights),
      weight_min: Math.min(...weights),
      effective_sample_size: effectiveSampleSize(weights),
      advantage_mean: adv.mean,
      advantage_std: adv.std,
      advantage_min: adv.min,
      advantage_max: adv.max,
      skipped_optimizer_steps: u.skippedSteps,
    },
    skippedUpdate: u.skippedSteps > 0,
    klToReference,
  };
}
