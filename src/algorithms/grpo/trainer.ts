// GRPO as an Algorithm (src/algorithms/algorithm.ts): one iteration composes the stages — sample (rollout-stage)
// → reward → advantage (credit/) → update (update-stage). Everything around the iteration (store, evaluation,
// checkpoints, resume, monitors) is the shared loop's, src/train/trainer.ts (STYLE §4).
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { AdamW } from '../../torch/optim/index.js';
import { tensorToImages } from '../../data/image-tensor.js';
import { groupRelativeAdvantages } from '../../credit/group-relative.js';
import { selectSteps } from '../../credit/step-selection.js';
import { advantageStats } from '../../credit/advantages.js';
import { alignDense, denseAdvantages, denseMapTensor } from '../../credit/dense.js';
import { catTrajectories, sliceTrajectory } from '../../generate/trajectory.js';
import type { RewardResult } from '../../rewards/types.js';
import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from '../algorithm.js';
import { nonFiniteCount, nonFiniteRewardLog, rewardSummary, type StepLogTail } from '../step-log.js';
import { rolloutStage, type RolloutBatch } from './rollout-stage.js';
import { updateStage, type UpdateDiagnostics } from './update-stage.js';
import type { GrpoConfig, GrpoSection } from './config.js';

export class GrpoAlgorithm implements Algorithm {
  readonly name = 'grpo';
  readonly #ctx: AlgorithmContext;
  readonly #optimizer: AdamW;
  /** Run-derived settings: the section, the seed and the current (possibly monitor-raised) KL coefficient. */
  #settings: Readonly<GrpoConfig>;

  constructor(ctx: AlgorithmContext, section: Readonly<GrpoSection>) {
    this.#ctx = ctx;
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
    ctx.policy.eval(); // no dropout: rollouts and replays must see the same network
    ctx.policy.encoder.requiresGrad_(false); // the prompt encoder stays the reference's, as Flow-GRPO keeps its text encoders
    const trainable = ctx.policy.parameters().filter((p) => p.requiresGrad);
    this.#optimizer = new AdamW(trainable, { lr: section.lr, weightDecay: 0 });
  }

  get klCoefficient(): number {
    return this.#settings.klCoefficient;
  }

  async step(iteration: number): Promise<AlgorithmStepLog> {
    const t0 = performance.now();
    const { policy, reference, reward, prompts, vocabulary } = this.#ctx;
    const batch = rolloutStage(policy, prompts, this.#settings, iteration, vocabulary);
    try {
      const rgb = tensorToImages(batch.trajectory.finalSample);
      const scored = await reward.score({ rgb, prompts: batch.prompts, metadata: { iteration, seeds: batch.seeds } });
      const nonFinite = nonFiniteCount(scored.total);
      const base = { samples: batch.prompts.length, ...rewardSummary(scored) };
      if (nonFinite > 0) return { ...base, ...nonFiniteRewardLog(nonFinite, (performance.now() - t0) / 1000) };
      const keep = this.#settings.skipZeroVarianceGroups ? informativeSamples(scored.total, batch.groupIds) : undefined;
      if (keep?.length === 0) return { ...base, ...noSignalLog(performance.now() - t0) };
      const u = torch.scope(() => {
        const all = this.#advantages(scored, batch);
        const trainBatch = keep ? selectBatch(batch, keep) : batch;
        const advantages = keep ? all.indexSelect(0, torch.tensor(keep, { dtype: 'int64' })) : all;
        const stochastic = batch.trajectory.stochastic;
        const s = this.#settings;
        const steps = selectSteps(
          s.trainSteps ? { kind: 'random', count: s.trainSteps, seed: s.seed } : { kind: 'all' },
          { numSteps: stochastic.length, iteration, stochastic },
        );
        const update = updateStage(policy, reference, this.#optimizer, trainBatch, advantages, steps, s, iteration);
        return { update, advantage: advantageStats(all) };
      });
      const log = this.#stepLog(u.update, u.advantage, performance.now() - t0);
      log.diagnostics['trained_samples'] = keep?.length ?? batch.prompts.length;
      return { ...base, ...log };
    } finally {
      torch.disposeAll(batch.trajectory);
    }
  }

  /** Group-relative advantages [B] (Flow-GRPO), spread over the latent's pixels when dense credit is on. */
  #advantages(scored: RewardResult, batch: RolloutBatch): Tensor {
    const s = this.#settings;
    const a = groupRelativeAdvantages(scored.total, batch.groupIds, { std: s.advantageStd });
    if (!s.dense) return a;
    const map = scored.dense?.[s.dense.map];
    if (map === undefined) {
      const have = Object.keys(scored.dense ?? {});
      throw new Error(
        `refract grpo: dense.map must name a dense map of the reward, got "${s.dense.map}" (the reward gives ` +
          `${have.length ? have.map((k) => `"${k}"`).join(', ') : 'none'}) — fix grpo.dense.map or drop grpo.dense`,
      );
    }
    const d = denseAdvantages(a, denseMapTensor(map), { normalize: s.dense.normalize, mix: s.dense.mix, groupIds: batch.groupIds });
    return alignDense(d, batch.trajectory.finalSample);
  }

  #stepLog(u: UpdateDiagnostics, adv: ReturnType<typeof advantageStats>, ms: number): StepLogTail {
    const skipped = u.skippedMinibatches > 0 || !Number.isFinite(u.loss);
    const klComputed = this.#settings.klCoefficient > 0;
    const ratios = Object.fromEntries(u.firstEpochRatioMean.map((r, k) => [`ratio_mean_step_${k}`, r]));
    return {
      metrics: {
        loss: u.loss,
        policyLoss: u.policyLoss,
        kl: u.kl,
        klCoefficient: this.#settings.klCoefficient,
        clipFraction: u.clipFraction,
        approxKl: u.approxKl,
        gradNorm: u.gradNorm,
        seconds: ms / 1000,
      },
      diagnostics: {
        ratio_max_dev_first_epoch: u.firstEpochRatioMaxDev,
        advantage_mean: adv.mean,
        advantage_std: adv.std,
        advantage_min: adv.min,
        advantage_max: adv.max,
        skipped_minibatches: u.skippedMinibatches,
        ...ratios,
      },
      skippedUpdate: skipped,
      klToReference: klComputed ? u.kl : NaN,
    };
  }

  /** The monitor's "raise KL": β ← factor·β (a new run-derived settings object; the config stays frozen). */
  scaleKlCoefficient(factor: number): void {
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw new Error(`refract grpo: scaleKlCoefficient factor must be a finite number > 0, got ${factor}`);
    }
    this.#settings = Object.freeze({ ...this.#settings, klCoefficient: this.#settings.klCoefficient * factor });
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.#optimizer);
    return { tensors: state.tensors, json: { ...state.json, klCoefficient: this.#settings.klCoefficient } };
  }

  loadStateDict(state: AlgorithmState): void {
    const kl = state.json['klCoefficient'];
    if (typeof kl !== 'number') throw new Error('refract grpo: state must hold json.klCoefficient — was it saved by GRPO?');
    optimizerFromState(this.#optimizer, state, 'grpo.loadStateDict');
    this.#settings = Object.freeze({ ...this.#settings, klCoefficient: kl });
  }

  dispose(): void {
    this.#optimizer.dispose();
  }
}

/** Indices of the samples whose group's rewards are not all equal (the groups that carry a learning signal). */
export function informativeSamples(rewards: Float32Array, groupIds: readonly number[]): number[] {
  const first = new Map<number, number>();
  const varied = new Set<number>();
  groupIds.forEach((g, i) => {
    const r0 = first.get(g);
    if (r0 === undefined) first.set(g, rewards[i]!);
    else if (r0 !== rewards[i]) varied.add(g);
  });
  return groupIds.flatMap((g, i) => (varied.has(g) ? [i] : []));
}

/** The rollout batch restricted to samples `idx` (a new trajectory of slices; disposed with the caller's scope). */
function selectBatch(batch: RolloutBatch, idx: readonly number[]): RolloutBatch {
  return {
    prompts: idx.map((i) => batch.prompts[i]!),
    groupIds: idx.map((i) => batch.groupIds[i]!),
    seeds: idx.map((i) => batch.seeds[i]!),
    trajectory: catTrajectories(idx.map((i) => sliceTrajectory(batch.trajectory, i, i + 1))),
  };
}

/** The log of an iteration where every group's rewards were equal (skipZeroVarianceGroups): nothing to learn. */
function noSignalLog(ms: number): StepLogTail {
  return { metrics: { seconds: ms / 1000 }, diagnostics: { trained_samples: 0 }, skippedUpdate: false, klToReference: NaN };
}
