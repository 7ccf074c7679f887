// Reward-weighted regression as an on-policy Algorithm (online-algorithm.ts): its stages are sample (ODE or SDE
// sampler) → advantages (credit/: group-relative or per-prompt tracker) → weights w ∝ exp(A/τ) (weights.ts) →
// weighted flow-matching update (update-stage.ts). Online RWR in the sense of Peng et al. (arXiv 1910.00177): each
// iteration regresses onto the current policy's own samples, reweighted by reward.
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import type { Tensor } from '../../torch/index.js';
import { groupRelativeAdvantages } from '../../credit/group-relative.js';
import { PerPromptStatTracker, type StatTrackerState } from '../../credit/stat-tracker.js';
import { advantageStats, type AdvantageStats } from '../../credit/advantages.js';
import { ownRollout } from '../own-rollout.js';
import type { Trajectory } from '../../generate/trajectory.js';
import type { PolicyCondition } from '../../models/index.js';
import type { RewardResult } from '../../rewards/types.js';
import type { AlgorithmContext, AlgorithmState } from '../algorithm.js';
import { OnlineAlgorithm, type GroupShape } from '../online-algorithm.js';
import type { PromptGroups } from '../prompt-groups.js';
import { advantageDiagnostics, type StepLogTail } from '../step-log.js';
import { rewardWeights, effectiveSampleSize } from './weights.js';
import { rwrUpdateStage, type RwrUpdateDiagnostics } from './update-stage.js';
import type { RwrSection, RwrSettings } from './config.js';

/** RWR's credit: the normalised sample weights and stats over the advantages they came from. */
interface RwrCredit {
  weights: number[];
  stats: AdvantageStats;
}

export class RwrAlgorithm extends OnlineAlgorithm<Trajectory<PolicyCondition>, RwrCredit, RwrUpdateDiagnostics> {
  readonly name = 'rwr';
  readonly #settings: Readonly<RwrSettings>;
  /** DDPO's per-prompt buffers, when advantage.kind is 'tracker'. */
  readonly #tracker: PerPromptStatTracker | null;

  constructor(ctx: AlgorithmContext, section: Readonly<RwrSection>) {
    super(ctx, section.lr);
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
    const a = section.advantage;
    this.#tracker = a.kind === 'tracker' ? new PerPromptStatTracker({ bufferSize: a.bufferSize, minCount: a.minCount }) : null;
  }

  protected groupShape(): GroupShape {
    return { prompts: this.#settings.promptsPerIteration, samplesPerPrompt: this.#settings.samplesPerPrompt };
  }

  protected rollout(groups: PromptGroups): Trajectory<PolicyCondition> {
    return ownRollout(this.ctx, groups, this.#settings.sampler);
  }

  protected advantage(scored: RewardResult, groups: PromptGroups): RwrCredit {
    const s = this.#settings;
    const advantages: Tensor =
      this.#tracker !== null
        ? this.#tracker.update(groups.prompts.map((p) => p.text), scored.total)
        : groupRelativeAdvantages(scored.total, groups.groupIds, { std: s.advantage.std });
    return { weights: rewardWeights(advantages.toArray(), s.temperature, s.maxWeight), stats: advantageStats(advantages) };
  }

  protected update(trajectory: Trajectory<PolicyCondition>, credit: RwrCredit, groups: PromptGroups, iteration: number): RwrUpdateDiagnostics {
    const samples = trajectory.finalSample.clamp(-1, 1); // the data range the base was trained on
    const { policy, reference } = this.ctx;
    return rwrUpdateStage({
      policy,
      reference,
      optimizer: this.optimizer,
      samples,
      cond: trajectory.cond,
      weights: credit.weights,
      settings: this.#settings,
      iteration,
      firstSample: groups.offset ?? 0,
      ranks: this.ctx.dataParallel?.worldSize ?? 1,
    });
  }

  protected log(u: RwrUpdateDiagnostics, credit: RwrCredit): StepLogTail {
    const klToReference = u.anchorBeforeUpdate / 2; // ½·mean‖v_θ − v_ref‖² (loss.ts: the path-KL integrand up to the schedule)
    const { weights, stats: adv } = credit;
    return {
      metrics: {
        loss: u.loss,
        weightedFlowMatching: u.weightedFlowMatching,
        meanFlowMatching: u.meanFlowMatching,
        kl: klToReference,
        gradNorm: u.gradNorm,
        optimizerSteps: u.optimizerSteps,
      },
      diagnostics: {
        weight_max: Math.max(...weights),
        weight_min: Math.min(...weights),
        effective_sample_size: effectiveSampleSize(weights),
        ...advantageDiagnostics(adv),
        skipped_optimizer_steps: u.skippedSteps,
      },
      skippedUpdate: u.skippedSteps > 0,
      klToReference,
    };
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.optimizer);
    if (this.#tracker !== null) state.json['statTracker'] = this.#tracker.stateDict();
    return state;
  }

  loadStateDict(state: AlgorithmState): void {
    const tracker = state.json['statTracker'] as StatTrackerState | undefined;
    if (this.#tracker !== null && tracker === undefined) {
      throw new Error('refract rwr: state must hold json.statTracker — was it saved by RWR with the same advantage.kind?');
    }
    optimizerFromState(this.optimizer, state, 'rwr.loadStateDict');
    if (this.#tracker !== null) this.#tracker.loadStateDict(tracker!);
  }
}
