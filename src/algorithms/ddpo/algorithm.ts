// DDPO (Black et al., arXiv 2305.13301) as an on-policy Algorithm (online-algorithm.ts): its stages are sample
// (rollout-stage: DDIM(η) on the flow policy through the exact flow → VP change of variables) → per-prompt stat
// tracking (credit/) → PPO-clip update (update-stage). The shared iteration and loop do the rest.
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import type { Tensor } from '../../torch/index.js';
import type { Trajectory } from '../../generate/trajectory.js';
import type { PolicyCondition } from '../../models/index.js';
import { PerPromptStatTracker, type StatTrackerState } from '../../credit/stat-tracker.js';
import { clipAdvantages } from '../../credit/group-relative.js';
import { selectSteps } from '../../credit/step-selection.js';
import { advantageStats, type AdvantageStats } from '../../credit/advantages.js';
import type { RewardResult } from '../../rewards/types.js';
import type { AlgorithmContext, AlgorithmState } from '../algorithm.js';
import { OnlineAlgorithm, type GroupShape } from '../online-algorithm.js';
import { allTrained, trainShare } from '../train-share.js';
import type { PromptGroups } from '../prompt-groups.js';
import { advantageDiagnostics, type StepLogTail } from '../step-log.js';
import { ddpoRollout } from './rollout-stage.js';
import { ddpoUpdateStage, type DdpoUpdateDiagnostics } from './update-stage.js';
import type { DdpoSection, DdpoSettings } from './config.js';

/**
 * DDPO's credit: the clipped advantages the update uses, each sample's index among the trained samples (all of
 * them, in order: DDPO skips none), how many are trained over all ranks, and stats over the raw advantages. Data
 * parallelism narrows the per-sample rows to the rank's (data-parallel.ts shardCredit).
 */
interface DdpoCredit {
  advantages: Tensor;
  trainIndex: number[];
  trained: number;
  stats: AdvantageStats;
}

export class DdpoAlgorithm extends OnlineAlgorithm<Trajectory<PolicyCondition>, DdpoCredit, DdpoUpdateDiagnostics> {
  readonly name = 'ddpo';
  readonly #settings: Readonly<DdpoSettings>;
  readonly #tracker: PerPromptStatTracker;

  constructor(ctx: AlgorithmContext, section: Readonly<DdpoSection>) {
    super(ctx, section.lr);
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
    this.#tracker = new PerPromptStatTracker(section.statTracker);
  }

  protected groupShape(): GroupShape {
    return { prompts: this.#settings.promptsPerIteration, samplesPerPrompt: this.#settings.samplesPerPrompt };
  }

  protected rollout(groups: PromptGroups): Trajectory<PolicyCondition> {
    return ddpoRollout(this.ctx.policy, groups, this.#settings.sampler, this.ctx.vocabulary);
  }

  protected advantage(scored: RewardResult, groups: PromptGroups): DdpoCredit {
    const raw = this.#tracker.update(groups.prompts.map((p) => p.text), scored.total); // (r − μ_prompt)/(σ + ε)
    const clip = this.#settings.advantageClip;
    const B = groups.prompts.length;
    return { advantages: clipAdvantages(raw, clip), trainIndex: allTrained(B), trained: B, stats: advantageStats(raw, clip) };
  }

  protected update(trajectory: Trajectory<PolicyCondition>, credit: DdpoCredit, _groups: PromptGroups, iteration: number): DdpoUpdateDiagnostics {
    const s = this.#settings;
    const steps = selectSteps(
      s.trainSteps ? { kind: 'random', count: s.trainSteps, seed: s.seed } : { kind: 'all' },
      { numSteps: trajectory.stochastic.length, iteration, stochastic: trajectory.stochastic },
    );
    const { policy, reference, dataParallel } = this.ctx;
    const share = trainShare(credit.trainIndex, credit.trained, dataParallel); // the rank's rows of the global steps
    return ddpoUpdateStage({ policy, reference, optimizer: this.optimizer, trajectory, advantages: credit.advantages, steps, settings: s, iteration, share });
  }

  protected log(u: DdpoUpdateDiagnostics, credit: DdpoCredit): StepLogTail {
    const ratios = Object.fromEntries(u.firstEpochRatioMean.map((r, k) => [`ratio_mean_step_${k}`, r]));
    const adv = credit.stats;
    return {
      metrics: {
        loss: u.loss,
        clipFraction: u.clipFraction,
        approxKl: u.approxKl,
        gradNorm: u.gradNorm,
        kl: u.klToReference,
        optimizerSteps: u.optimizerSteps,
      },
      diagnostics: {
        ratio_max_dev_before_update: u.ratioMaxDevBeforeUpdate,
        ratio_max_dev_first_epoch: u.firstEpochRatioMaxDev,
        ...advantageDiagnostics(adv, { clipped: true }),
        skipped_optimizer_steps: u.skippedSteps,
        ...ratios,
      },
      skippedUpdate: u.skippedSteps > 0,
      klToReference: u.klToReference,
    };
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.optimizer);
    return { tensors: state.tensors, json: { ...state.json, statTracker: this.#tracker.stateDict() } };
  }

  loadStateDict(state: AlgorithmState): void {
    const tracker = state.json['statTracker'] as StatTrackerState | undefined;
    if (tracker === undefined) throw new Error('refract ddpo: state must hold json.statTracker — was it saved by DDPO?');
    optimizerFromState(this.optimizer, state, 'ddpo.loadStateDict');
    this.#tracker.loadStateDict(tracker);
  }
}
