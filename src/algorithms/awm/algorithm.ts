// Advantage Weighted Matching (Xue et al., arXiv 2509.25050) as an on-policy Algorithm (online-algorithm.ts).
// Its stages:
//   sample — the current policy rolls out the groups (Euler ODE by default, or Flow-GRPO's SDE / CPS); only x₀ is
//            used: the update is the pretraining loss on the policy's own samples, not a replay of the sampler;
//   credit — group-relative advantages (credit/group-relative.ts), clipped and scaled (loss.ts awmAdvantages);
//   update — the advantage-weighted flow-matching loss with KL to the reference and to an EMA copy (update-stage.ts);
//   then   — the EMA copy moves toward the policy with a ramped decay (ema-policy.ts; the authors' 'linear'
//            kl_ema_decay, scxue/advantage_weighted_matching scripts/train_sd3_awm.py, end of each epoch).
// Exact resume: the optimizer, the EMA copy's weights, the optimizer-step count and the KL weight are saved.
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import type { Tensor } from '../../torch/index.js';
import { groupRelativeAdvantages } from '../../credit/group-relative.js';
import { advantageStats, type AdvantageStats } from '../../credit/advantages.js';
import { ownRollout, withScaledKl } from '../own-rollout.js';
import type { Trajectory } from '../../generate/trajectory.js';
import type { PolicyCondition } from '../../models/index.js';
import type { RewardResult } from '../../rewards/types.js';
import type { AlgorithmContext, AlgorithmState } from '../algorithm.js';
import { OnlineAlgorithm, type GroupShape } from '../online-algorithm.js';
import type { PromptGroups } from '../prompt-groups.js';
import { advantageDiagnostics, type StepLogTail } from '../step-log.js';
import { EmaPolicy, emaDecayAt } from '../ema-policy.js';
import { awmAdvantages } from './loss.js';
import { awmUpdateStage, type AwmUpdateDiagnostics } from './update-stage.js';
import type { AwmSection, AwmSettings } from './config.js';

interface AwmCredit {
  /** A per sample, clipped and scaled, [B]. */
  advantages: Tensor;
  /** Over the advantages before clipping. */
  stats: AdvantageStats;
}

interface AwmUpdate {
  u: AwmUpdateDiagnostics;
  /** The EMA decay applied after the update (NaN without the EMA copy). */
  decay: number;
}

export class AwmAlgorithm extends OnlineAlgorithm<Trajectory<PolicyCondition>, AwmCredit, AwmUpdate> {
  readonly name = 'awm';
  #settings: Readonly<AwmSettings>;
  /** The KL-to-EMA anchor; null when emaKlCoefficient is 0. */
  readonly #ema: EmaPolicy | null;
  #optimizerSteps = 0;

  constructor(ctx: AlgorithmContext, section: Readonly<AwmSection>) {
    super(ctx, section.lr);
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
    this.#ema = section.emaKlCoefficient > 0 ? new EmaPolicy(ctx.policy) : null;
  }

  get klCoefficient(): number {
    return this.#settings.klCoefficient;
  }

  protected groupShape(): GroupShape {
    return { prompts: this.#settings.promptsPerIteration, samplesPerPrompt: this.#settings.groupSize };
  }

  protected rollout(groups: PromptGroups): Trajectory<PolicyCondition> {
    return ownRollout(this.ctx, groups, this.#settings.sampler);
  }

  protected advantage(scored: RewardResult, groups: PromptGroups): AwmCredit {
    const s = this.#settings;
    const a = groupRelativeAdvantages(scored.total, groups.groupIds, { std: s.advantageStd }); // (r − μ_g)/(σ + 1e−4)
    return { advantages: awmAdvantages(a, s.advantageClip, s.advantageMax), stats: advantageStats(a, s.advantageClip) };
  }

  protected update(trajectory: Trajectory<PolicyCondition>, credit: AwmCredit, groups: PromptGroups, iteration: number): AwmUpdate {
    const schedule = trajectory.schedule;
    if (schedule.kind !== 'flow') throw new Error(`refract train: awm rollouts must use a flow schedule, got "${schedule.kind}"`);
    const { policy, reference } = this.ctx;
    const u = awmUpdateStage({
      policy,
      ema: this.#ema,
      reference,
      optimizer: this.optimizer,
      x0: trajectory.finalSample,
      cond: trajectory.cond,
      sigmas: schedule.sigmas,
      advantages: credit.advantages,
      settings: this.#settings,
      iteration,
      firstSample: groups.offset ?? 0,
    });
    this.#optimizerSteps += u.optimizerSteps;
    if (this.#ema === null) return { u, decay: NaN };
    const decay = emaDecayAt(this.#optimizerSteps, this.#settings.ema);
    this.#ema.update(decay); // θ_ema ← d·θ_ema + (1 − d)·θ
    return { u, decay };
  }

  protected log({ u, decay }: AwmUpdate, credit: AwmCredit): StepLogTail {
    const adv = credit.stats;
    return {
      metrics: {
        loss: u.loss,
        flowMatching: u.flowMatching,
        weightedFlowMatching: u.weightedFlowMatching,
        kl: u.klReference,
        klEma: u.klEma,
        klCoefficient: this.#settings.klCoefficient,
        clipFraction: u.clipFraction,
        gradNorm: u.gradNorm,
        optimizerSteps: u.optimizerSteps,
        emaDecay: decay,
      },
      diagnostics: {
        ...advantageDiagnostics(adv, { clipped: true }),
        skipped_optimizer_steps: u.skippedSteps,
      },
      skippedUpdate: u.skippedSteps > 0,
      klToReference: u.klReference / 2, // ½·mean‖v_θ − v_ref‖², as RWR and NFT report it
    };
  }

  /** The monitor's "raise KL": β_ref ← factor·β_ref (a new run-derived settings object; the config stays frozen). */
  scaleKlCoefficient(factor: number): void {
    this.#settings = withScaledKl(this.#settings, factor, 'awm');
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.optimizer);
    return {
      tensors: { ...state.tensors, ...(this.#ema?.stateDict('ema') ?? {}) },
      json: { ...state.json, klCoefficient: this.#settings.klCoefficient, optimizerSteps: this.#optimizerSteps },
    };
  }

  loadStateDict(state: AlgorithmState): void {
    const { klCoefficient: kl, optimizerSteps: steps } = state.json;
    if (typeof kl !== 'number' || typeof steps !== 'number') {
      throw new Error('refract awm: state must hold json.klCoefficient and json.optimizerSteps — was it saved by AWM?');
    }
    optimizerFromState(this.optimizer, state, 'awm.loadStateDict');
    this.#ema?.loadStateDict(state.tensors, 'ema', 'awm.loadStateDict');
    this.#optimizerSteps = steps;
    this.#settings = Object.freeze({ ...this.#settings, klCoefficient: kl });
  }

  override dispose(): void {
    super.dispose();
    this.#ema?.dispose();
  }
}
