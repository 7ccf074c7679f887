// DiffusionNFT (Zheng et al., arXiv 2509.16117) as an on-policy Algorithm (online-algorithm.ts). Its stages:
//   sample — the OLD policy (an EMA copy of the policy's trainable weights, ema-policy.ts) rolls out clean x₀ with a
//            deterministic Euler ODE sampler, CFG-free by default; no trajectory is kept, only x₀ (the method
//            needs no likelihoods, so any solver works);
//   credit — group-relative advantages (credit/group-relative.ts), clipped to [−c, c] and mapped to the
//            optimality probability r (loss.ts); with `hindsight`, the samples the reward relabels are added again
//            under the prompt they show, with r = hindsight.r, and with `paired` their own r capped at 1 − that
//            (../hindsight.ts);
//   update — the negative-aware flow-matching loss at forward-noised points (update-stage.ts, loss.ts), on the
//            conditional velocity or, with guidedVelocity, on the sampler's CFG-guided one;
//   then   — the old policy moves toward the policy: θ_old ← d·θ_old + (1 − d)·θ, d ramping with the optimizer
//            steps (the authors' return_decay, NVlabs/DiffusionNFT scripts/train_nft_sd3.py); with evaluatedEma a
//            second, slower copy moves too (what the trainer evaluates and ships); with lrDecay the lr follows its
//            cosine in the optimizer steps.
// Exact resume: the optimizer, the old policy's (and evaluated EMA's) weights, the optimizer-step count (which
// also fixes the lr) and the KL weight are saved.
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import { warmupCosine, type LrLambda } from '../../torch/optim/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { groupRelativeAdvantages, informativeSamples } from '../../credit/group-relative.js';
import { advantageStats, type AdvantageStats } from '../../credit/advantages.js';
import { rolloutPrompts } from '../../pipeline/text-to-image.js';
import { catTrajectories, sliceTrajectory, type Trajectory } from '../../generate/trajectory.js';
import type { PolicyCondition } from '../../models/index.js';
import type { RewardResult } from '../../rewards/types.js';
import type { AlgorithmContext, AlgorithmState } from '../algorithm.js';
import { withScaledKl } from '../own-rollout.js';
import { OnlineAlgorithm, type GroupShape } from '../online-algorithm.js';
import type { PromptGroups } from '../prompt-groups.js';
import { advantageDiagnostics, type StepLogTail } from '../step-log.js';
import { EmaPolicy, emaDecayAt } from '../ema-policy.js';
import { optimalityProbability } from './loss.js';
import { nftUpdateStage, type NftUpdateDiagnostics } from './update-stage.js';
import { admittedRelabels, pairedOptimality, withRelabelledSamples } from '../hindsight.js';
import type { NftSection, NftSettings } from './config.js';
import { SHAPES_VOCABULARY } from '../../data/shapes/vocab.js';
import type { WordVocabulary } from '../../data/vocabulary.js';

interface NftCredit {
  /** r per trained sample, [B] (or [|keep|]). */
  r: Tensor;
  stats: AdvantageStats;
  /** With skipZeroVarianceGroups: the samples trained on (the groups whose rewards differ); absent: all. */
  keep?: readonly number[];
  /** How many samples of the whole batch are trained (over all ranks: a number is not sharded). */
  trained: number;
  /** With hindsight: per sample, the text of the prompt it is trained under again, or null. */
  relabels?: (string | null)[];
}

/** The update's diagnostics and the old policy's decay applied after it. */
interface NftUpdate {
  u: NftUpdateDiagnostics;
  decay: number;
}

export class NftAlgorithm extends OnlineAlgorithm<Trajectory<PolicyCondition>, NftCredit, NftUpdate> {
  readonly name = 'nft';
  #settings: Readonly<NftSettings>;
  readonly #old: EmaPolicy;
  /** The slow EMA the trainer evaluates, with its decay (nft.evaluatedEma); absent: the policy is evaluated. */
  readonly #evaluated: { ema: EmaPolicy; decay: number } | undefined;
  /** The lr factor as a function of the optimizer steps taken (nft.lrDecay); absent: constant. */
  readonly #lrFactor: LrLambda | undefined;
  /** Each parameter group's configured lr (the denoiser's, then the encoder's with nft.encoder): the schedule scales them. */
  readonly #baseLrs: readonly number[];
  /** Optimizer steps taken so far (the decay schedule's n). */
  #optimizerSteps = 0;

  constructor(ctx: AlgorithmContext, section: Readonly<NftSection>) {
    super(ctx, section.lr, section.encoder?.lr);
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
    this.#baseLrs = this.optimizer.paramGroups.map((g) => g.lr);
    this.#old = new EmaPolicy(ctx.policy); // θ_old = θ at the start, as the authors copy the policy into "old"
    this.#evaluated = section.evaluatedEma ? { ema: new EmaPolicy(ctx.policy), decay: section.evaluatedEma.decay } : undefined;
    const d = section.lrDecay;
    this.#lrFactor = d ? warmupCosine({ warmupSteps: 0, totalSteps: d.steps, minLrRatio: d.minRatio }) : undefined;
  }

  /** The evaluated EMA into the policy (the trainer evaluates and ships it); a no-op without evaluatedEma. */
  swapInEvaluatedWeights(): () => void {
    return this.#evaluated?.ema.swapIn() ?? ((): void => {});
  }

  keepEvaluatedWeights(): void {
    this.#evaluated?.ema.copyIntoPolicy();
  }

  /** Each group's lr = its configured lr × the schedule's factor at the optimizer steps taken so far (a function of the saved count). */
  #applyLr(): void {
    if (!this.#lrFactor) return;
    const factor = this.#lrFactor(this.#optimizerSteps);
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.#baseLrs[i]! * factor));
  }

  get klCoefficient(): number {
    return this.#settings.klCoefficient;
  }

  protected groupShape(): GroupShape {
    return { prompts: this.#settings.promptsPerIteration, samplesPerPrompt: this.#settings.groupSize };
  }

  /** The old policy's ODE samples of the groups' prompts. */
  protected rollout(groups: PromptGroups): Trajectory<PolicyCondition> {
    const { steps, guidance } = this.#settings.sampler;
    const vocabulary = this.ctx.vocabulary;
    const texts = groups.prompts.map((p) => p.text);
    return this.#old.run(() =>
      rolloutPrompts(this.ctx.policy, texts, groups.seeds, { steps, guidance, sde: 'ode', ...(vocabulary ? { vocabulary } : {}) }),
    );
  }

  /** With skipZeroVarianceGroups, an iteration where every group's rewards were equal has nothing to learn. */
  protected override noSignal(scored: RewardResult, groups: PromptGroups): StepLogTail | null {
    if (!this.#settings.skipZeroVarianceGroups || informativeSamples(scored.total, groups.groupIds).length > 0) return null;
    return { metrics: {}, diagnostics: { trained_samples: 0 }, skippedUpdate: false, klToReference: NaN };
  }

  protected advantage(scored: RewardResult, groups: PromptGroups): NftCredit {
    const s = this.#settings;
    const a = groupRelativeAdvantages(scored.total, groups.groupIds, { std: s.advantageStd }); // (r − μ_g)/(σ + 1e−4)
    const stats = advantageStats(a, s.advantageClip);
    const relabels = s.hindsight ? { relabels: admittedRelabels(scored, this.ctx.prompts, s.hindsight.maxPerIteration, 'nft') } : {};
    const r0 = optimalityProbability(a, s.advantageClip);
    const r = s.hindsight?.paired && relabels.relabels ? pairedOptimality(r0, relabels.relabels, s.hindsight.r) : r0;
    if (!s.skipZeroVarianceGroups) return { r, stats, trained: groups.groupIds.length, ...relabels };
    const keep = informativeSamples(scored.total, groups.groupIds);
    return { r: r.indexSelect(0, torch.tensor(keep, { dtype: 'int64' })), stats, keep, trained: keep.length, ...relabels };
  }

  protected update(rollout: Trajectory<PolicyCondition>, credit: NftCredit, groups: PromptGroups, iteration: number): NftUpdate {
    // the trained samples only (slices of the rollout, freed with the iteration's scope)
    const trajectory = credit.keep === undefined ? rollout : catTrajectories(credit.keep.map((i) => sliceTrajectory(rollout, i, i + 1)));
    const schedule = trajectory.schedule;
    if (schedule.kind !== 'flow') throw new Error(`refract train: nft rollouts must use a flow schedule, got "${schedule.kind}"`);
    const { policy, reference } = this.ctx;
    const own = { x0: trajectory.finalSample, cond: trajectory.cond, weight: credit.r, ...(trajectory.uncond === undefined ? {} : { uncond: trajectory.uncond }) };
    const h = this.#settings.hindsight;
    const batch = h && credit.relabels ? withRelabelledSamples(own, rollout.finalSample, credit.relabels, h.r, policy, this.ctx.vocabulary) : own;
    const tokens = this.#settings.encoder ? { tokens: sampleTokens(groups, credit.keep, this.ctx.vocabulary) } : {};
    const u = nftUpdateStage({
      policy,
      old: this.#old,
      reference,
      optimizer: this.optimizer,
      x0: batch.x0,
      cond: batch.cond,
      ...(batch.uncond === undefined ? {} : { uncond: batch.uncond }),
      sigmas: schedule.sigmas,
      r: batch.weight,
      ...tokens,
      settings: this.#settings,
      iteration,
      firstSample: groups.offset ?? 0,
    });
    this.#optimizerSteps += u.optimizerSteps;
    const decay = emaDecayAt(this.#optimizerSteps, this.#settings.oldPolicy);
    this.#old.update(decay); // θ_old ← d·θ_old + (1 − d)·θ
    this.#evaluated?.ema.update(this.#evaluated.decay);
    this.#applyLr();
    return { u, decay };
  }

  protected log({ u, decay }: NftUpdate, credit: NftCredit): StepLogTail {
    const adv = credit.stats;
    return {
      metrics: {
        loss: u.loss,
        positiveLoss: u.positiveLoss,
        negativeLoss: u.negativeLoss,
        kl: u.kl,
        klCoefficient: this.#settings.klCoefficient,
        gradNorm: u.gradNorm,
        optimizerSteps: u.optimizerSteps,
        oldDecay: decay,
        lr: this.optimizer.paramGroups[0]!.lr, // the next update's (after this one's schedule step)
      },
      diagnostics: {
        old_deviation: u.oldDeviation,
        r_mean: torch.scope(() => credit.r.mean().item()),
        ...advantageDiagnostics(adv, { clipped: true }),
        skipped_optimizer_steps: u.skippedSteps,
        trained_samples: credit.trained,
        ...(credit.relabels ? { hindsight_samples: credit.relabels.filter((t) => t !== null).length } : {}),
      },
      skippedUpdate: u.skippedSteps > 0,
      klToReference: u.kl / 2, // ½·mean‖v_θ − v_ref‖², as RWR reports it (the path-KL integrand up to the schedule)
    };
  }

  /** The monitor's "raise KL": κ ← factor·κ (a new run-derived settings object; the config stays frozen). */
  scaleKlCoefficient(factor: number): void {
    this.#settings = withScaledKl(this.#settings, factor, 'nft');
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.optimizer);
    return {
      tensors: { ...state.tensors, ...this.#old.stateDict('old'), ...(this.#evaluated?.ema.stateDict('evaluated') ?? {}) },
      json: { ...state.json, klCoefficient: this.#settings.klCoefficient, optimizerSteps: this.#optimizerSteps },
    };
  }

  loadStateDict(state: AlgorithmState): void {
    const { klCoefficient: kl, optimizerSteps: steps } = state.json;
    if (typeof kl !== 'number' || typeof steps !== 'number') {
      throw new Error('refract nft: state must hold json.klCoefficient and json.optimizerSteps — was it saved by NFT?');
    }
    optimizerFromState(this.optimizer, state, 'nft.loadStateDict');
    this.#old.loadStateDict(state.tensors, 'old', 'nft.loadStateDict');
    this.#evaluated?.ema.loadStateDict(state.tensors, 'evaluated', 'nft.loadStateDict');
    this.#optimizerSteps = steps;
    this.#applyLr();
    this.#settings = Object.freeze({ ...this.#settings, klCoefficient: kl });
  }

  override dispose(): void {
    super.dispose();
    this.#old.dispose();
    this.#evaluated?.ema.dispose();
  }
}

/** The token ids [n, L] of each trained sample's prompt (all samples, or the kept ones), for a trained encoder. */
function sampleTokens(groups: PromptGroups, keep: readonly number[] | undefined, vocabulary: WordVocabulary | undefined): Tensor {
  const texts = groups.prompts.map((p) => p.text);
  return (vocabulary ?? SHAPES_VOCABULARY).tokenizeBatch(keep === undefined ? texts : keep.map((i) => texts[i]!));
}
