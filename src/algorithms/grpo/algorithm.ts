// GRPO (Flow-GRPO, arXiv 2505.05470) as an on-policy Algorithm (online-algorithm.ts): its stages are sample
// (rollout-stage: Flow-GRPO's SDE) → group-relative advantages, optionally dense (credit/) → clipped-surrogate
// update with KL to the reference (update-stage). The shared iteration and loop do the rest.
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import type { Tensor } from '../../torch/index.js';
import { groupRelativeAdvantages, informativeSamples } from '../../credit/group-relative.js';
import { selectSteps } from '../../credit/step-selection.js';
import { advantageStats, type AdvantageStats } from '../../credit/advantages.js';
import { alignDenseToShape, denseAdvantages, denseMapTensor } from '../../credit/dense.js';
import type { RewardResult } from '../../rewards/types.js';
import type { AlgorithmContext, AlgorithmState } from '../algorithm.js';
import { withScaledKl } from '../own-rollout.js';
import { allTrained, trainShare } from '../train-share.js';
import { OnlineAlgorithm, type GroupShape } from '../online-algorithm.js';
import type { PromptGroups } from '../prompt-groups.js';
import { advantageDiagnostics, type StepLogTail } from '../step-log.js';
import { rolloutStage, type RolloutBatch } from './rollout-stage.js';
import { updateStage, type UpdateDiagnostics } from './update-stage.js';
import type { GrpoSettings, GrpoSection } from './config.js';

/**
 * GRPO's credit, with one row per sample of the iteration (data parallelism narrows both to the rank's samples,
 * data-parallel.ts shardCredit): the advantages, each sample's index among the trained samples (−1: its group is
 * skipped), how many are trained over all ranks, and stats over every sample's advantage.
 */
interface GrpoCredit {
  advantages: Tensor;
  trainIndex: number[];
  trained: number;
  stats: AdvantageStats;
}

export class GrpoAlgorithm extends OnlineAlgorithm<RolloutBatch, GrpoCredit, UpdateDiagnostics> {
  readonly name = 'grpo';
  /** Run-derived settings: the section, the seed and the current (possibly monitor-raised) KL coefficient. */
  #settings: Readonly<GrpoSettings>;

  constructor(ctx: AlgorithmContext, section: Readonly<GrpoSection>) {
    super(ctx, section.lr);
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
  }

  get klCoefficient(): number {
    return this.#settings.klCoefficient;
  }

  protected groupShape(): GroupShape {
    return { prompts: this.#settings.promptsPerIteration, samplesPerPrompt: this.#settings.groupSize };
  }

  protected rollout(groups: PromptGroups): RolloutBatch {
    return rolloutStage(this.ctx.policy, groups, this.#settings, this.ctx.vocabulary);
  }

  /** With skipZeroVarianceGroups, an iteration where every group's rewards were equal has nothing to learn. */
  protected override noSignal(scored: RewardResult, groups: PromptGroups): StepLogTail | null {
    if (!this.#settings.skipZeroVarianceGroups || informativeSamples(scored.total, groups.groupIds).length > 0) return null;
    return { metrics: {}, diagnostics: { trained_samples: 0 }, skippedUpdate: false, klToReference: NaN };
  }

  /** Decided on all B rewards (every rank alike): which groups train, and each trained sample's global index. */
  protected advantage(scored: RewardResult, groups: PromptGroups, batch: RolloutBatch): GrpoCredit {
    const all = this.#advantages(scored, groups.groupIds, batch);
    const B = groups.groupIds.length;
    const keep = this.#settings.skipZeroVarianceGroups ? informativeSamples(scored.total, groups.groupIds) : undefined;
    const trainIndex = keep ? new Array<number>(B).fill(-1) : allTrained(B);
    keep?.forEach((i, k) => (trainIndex[i] = k));
    return { advantages: all, trainIndex, trained: keep?.length ?? B, stats: advantageStats(all) };
  }

  /** `batch` and the credit's rows are this rank's samples (all B in one process); it trains those of kept groups. */
  protected update(batch: RolloutBatch, credit: GrpoCredit, _groups: PromptGroups, iteration: number): UpdateDiagnostics {
    const s = this.#settings;
    const stochastic = batch.trajectory.stochastic;
    const steps = selectSteps(
      s.trainSteps ? { kind: 'random', count: s.trainSteps, seed: s.seed } : { kind: 'all' },
      { numSteps: stochastic.length, iteration, stochastic },
    );
    const { policy, reference } = this.ctx;
    const share = trainShare(credit.trainIndex, credit.trained, this.ctx.dataParallel);
    return updateStage(policy, reference, this.optimizer, batch, credit.advantages, steps, s, iteration, share);
  }

  /** Group-relative advantages [B] (Flow-GRPO), spread over the latent's pixels when dense credit is on. */
  #advantages(scored: RewardResult, groupIds: readonly number[], batch: RolloutBatch): Tensor {
    const s = this.#settings;
    const a = groupRelativeAdvantages(scored.total, groupIds, { std: s.advantageStd });
    if (!s.dense) return a;
    const map = scored.dense?.[s.dense.map];
    if (map === undefined) {
      const have = Object.keys(scored.dense ?? {});
      throw new Error(
        `refract grpo: dense.map must name a dense map of the reward, got "${s.dense.map}" (the reward gives ` +
          `${have.length ? have.map((k) => `"${k}"`).join(', ') : 'none'}) — fix grpo.dense.map or drop grpo.dense`,
      );
    }
    const d = denseAdvantages(a, denseMapTensor(map), { normalize: s.dense.normalize, mix: s.dense.mix, groupIds });
    // all B samples' maps (data parallel: gathered), shaped like the latent of one sample
    return alignDenseToShape(d, [groupIds.length, ...batch.trajectory.finalSample.shape.slice(1)]);
  }

  protected log(u: UpdateDiagnostics, credit: GrpoCredit): StepLogTail {
    const skipped = u.skippedMinibatches > 0 || !Number.isFinite(u.loss);
    const ratios = Object.fromEntries(u.firstEpochRatioMean.map((r, k) => [`ratio_mean_step_${k}`, r]));
    const adv = credit.stats;
    return {
      metrics: {
        loss: u.loss,
        policyLoss: u.policyLoss,
        kl: u.kl,
        klCoefficient: this.#settings.klCoefficient,
        clipFraction: u.clipFraction,
        approxKl: u.approxKl,
        gradNorm: u.gradNorm,
      },
      diagnostics: {
        ratio_max_dev_first_epoch: u.firstEpochRatioMaxDev,
        ...advantageDiagnostics(adv),
        skipped_minibatches: u.skippedMinibatches,
        ...ratios,
        trained_samples: credit.trained,
      },
      skippedUpdate: skipped,
      klToReference: this.#settings.klCoefficient > 0 ? u.kl : NaN,
    };
  }

  /** The monitor's "raise KL": β ← factor·β (a new run-derived settings object; the config stays frozen). */
  scaleKlCoefficient(factor: number): void {
    this.#settings = withScaledKl(this.#settings, factor, 'grpo');
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.optimizer);
    return { tensors: state.tensors, json: { ...state.json, klCoefficient: this.#settings.klCoefficient } };
  }

  loadStateDict(state: AlgorithmState): void {
    const kl = state.json['klCoefficient'];
    if (typeof kl !== 'number') throw new Error('refract grpo: state must hold json.klCoefficient — was it saved by GRPO?');
    optimizerFromState(this.optimizer, state, 'grpo.loadStateDict');
    this.#settings = Object.freeze({ ...this.#settings, klCoefficient: kl });
  }
}
