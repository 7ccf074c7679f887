// Diffusion-DPO as an Algorithm (algorithm.ts): offline, on a fixed pool of preference pairs, or online, on pairs
// formed from the current policy's own samples scored by ctx.reward (best vs worst of each prompt's group).
// Stages: (online) sample → reward → pair, or (offline) draw pairs; then the DPO update (update.ts).
// Data parallel (../data-parallel.ts): online, each rank samples and scores its share of the groups, the rewards
// and images are all-gathered so every rank forms the same pairs; offline, every rank draws the same pairs. Each
// rank then trains a contiguous share of the pairs (balancedRange), noised by the pairs' global index (update.ts).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import { tensorToImages } from '../../data/image-tensor.js';
import { rolloutPrompts, sampleShape } from '../../pipeline/text-to-image.js';
import type { PreferencePair } from '../../rewards/preference/pairs.js';
import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from '../algorithm.js';
import type { DpoSection } from './config.js';
import { groupPreferencePairs } from './online-pairs.js';
import { drawPairs, loadPairPool, pairBatchOf, type PreferenceFileLoader } from './pair-source.js';
import { dpoUpdate, type DpoUpdateLog, type PairBatch, type PairShare } from './update.js';
import { balancedRange, gatherRewards, gatherRows, shardGroups, shardRange, type SampleRange } from '../data-parallel.js';
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import { policyOptimizer } from '../policy-optimizer.js';
import { drawPromptGroups } from '../prompt-groups.js';
import { rewardSummary } from '../step-log.js';
import type { AdamW } from '../../torch/optim/index.js';

export interface DpoDependencies {
  /** Reads a preferences file for `offline.source.kind: file` (store/preference-pairs.ts). */
  loadPreferenceFile?: PreferenceFileLoader;
}

/** One iteration's pairs, with what the log reports about how they were made. */
interface IterationPairs {
  /** This process's pairs (all of them in one process); null when the iteration formed none. */
  batch: PairBatch | null;
  /** Where `batch` sits among the iteration's pairs (data parallel only). */
  share?: PairShare;
  /** The iteration's pairs, on every rank. */
  pairs: number;
  samples: number;
  reward: number;
  components: Record<string, number>;
  rewardGap: number;
  candidates: number;
}

export class DiffusionDpoAlgorithm implements Algorithm {
  readonly name = 'dpo';
  readonly #ctx: AlgorithmContext;
  readonly #config: Readonly<DpoSection>;
  readonly #optimizer: AdamW;
  /** The offline pool (empty online). */
  readonly #pool: PreferencePair[];

  constructor(ctx: AlgorithmContext, section: Readonly<DpoSection>, deps: DpoDependencies = {}) {
    this.#ctx = ctx;
    this.#config = section;
    this.#optimizer = policyOptimizer(ctx, section.lr);
    const imageSize = sampleShape(ctx.policy).at(-1)!;
    this.#pool = section.mode === 'offline' ? loadPairPool(section.offline.source, imageSize, deps.loadPreferenceFile) : [];
  }

  async step(iteration: number): Promise<AlgorithmStepLog> {
    const c = this.#config;
    const made = c.mode === 'online' ? await this.#onlinePairs(iteration) : this.#offlinePairs(iteration);
    let update: DpoUpdateLog | null = null;
    if (made.batch !== null) {
      try {
        const options = {
          ...c,
          seed: deriveSeed(this.#ctx.seed, iteration, 3),
          vocabulary: this.#ctx.vocabulary,
          ...(made.share ? { share: made.share } : {}),
        };
        update = dpoUpdate(this.#ctx.policy, this.#ctx.reference, this.#optimizer, made.batch, options);
      } finally {
        disposePairs(made.batch);
      }
    }
    return stepLog(made, update, c.innerEpochs);
  }

  /** Online pairs: the groups' ODE samples (prompt-groups.ts draws), best vs worst by the reward. */
  async #onlinePairs(it: number): Promise<IterationPairs> {
    const o = this.#config.online;
    const { policy, reward, vocabulary, dataParallel: dp } = this.#ctx;
    const groups = drawPromptGroups(this.#ctx.prompts, this.#ctx.seed, it, o.promptsPerIteration, o.groupSize);
    const own = dp ? shardGroups(groups, shardRange(groups.prompts.length, dp.rank, dp.worldSize)) : groups;
    const sampling = { steps: o.sampler.steps, guidance: o.sampler.guidance, sde: 'ode' as const, vocabulary };
    const ownTexts = own.prompts.map((p) => p.text);
    const ownImages = torch.scope(() => rolloutPrompts(policy, ownTexts, own.seeds, sampling).finalSample);
    let images = ownImages;
    try {
      const metadata = { iteration: it, seeds: own.seeds };
      const ownScored = await reward.score({ images: ownImages, rgb: tensorToImages(ownImages), prompts: own.prompts, metadata });
      // every rank sees every sample's reward and image, so every rank forms the same pairs
      const scored = dp ? gatherRewards(ownScored, dp) : ownScored;
      if (dp) images = gatherRows(ownImages, dp);
      const pairs = groupPreferencePairs(scored.total, groups.groupIds, o.pairing, o.minMargin);
      const range = dp ? balancedRange(pairs.length, dp.rank, dp.worldSize) : { start: 0, end: pairs.length };
      const mine = pairs.slice(range.start, range.end);
      const texts = groups.prompts.map((p) => p.text);
      const batch =
        pairs.length === 0
          ? null
          : torch.scope(() => ({
              winners: rows(images, mine.map((p) => p.winner)),
              losers: rows(images, mine.map((p) => p.loser)),
              prompts: mine.map((p) => texts[p.winner]!),
            }));
      return {
        batch,
        ...shareOf(range, pairs.length, dp),
        pairs: pairs.length,
        samples: groups.prompts.length,
        ...rewardSummary(scored),
        rewardGap: pairs.length ? pairs.reduce((s, p) => s + p.rewardGap, 0) / pairs.length : NaN,
        candidates: o.promptsPerIteration,
      };
    } finally {
      if (images !== ownImages) images.dispose();
      ownImages.dispose();
    }
  }

  /** Offline pairs: a seeded draw from the pool (the same on every rank), of which a rank trains its share. */
  #offlinePairs(it: number): IterationPairs {
    const drawn = drawPairs(this.#pool, this.#config.offline.pairsPerIteration, new Rng(deriveSeed(this.#ctx.seed, it, 1)));
    const dp = this.#ctx.dataParallel;
    const range = dp ? balancedRange(drawn.length, dp.rank, dp.worldSize) : { start: 0, end: drawn.length };
    const mine = drawn.slice(range.start, range.end);
    const batch = mine.length > 0 ? pairBatchOf(mine) : emptyPairBatch(sampleShape(this.#ctx.policy));
    return { batch, ...shareOf(range, drawn.length, dp), pairs: drawn.length, samples: 0, reward: NaN, components: {}, rewardGap: NaN, candidates: drawn.length };
  }

  stateDict(): AlgorithmState {
    return optimizerToState(this.#optimizer);
  }

  loadStateDict(state: AlgorithmState): void {
    optimizerFromState(this.#optimizer, state, 'dpo.loadStateDict');
  }

  dispose(): void {
    this.#optimizer.dispose();
  }
}

function stepLog(made: IterationPairs, update: DpoUpdateLog | null, innerEpochs: number): AlgorithmStepLog {
  const pairs = made.pairs;
  return {
    samples: made.samples,
    reward: made.reward,
    components: made.components,
    metrics: {
      loss: update?.loss ?? NaN,
      implicitAccuracy: update?.implicitAccuracy ?? NaN,
      implicitMargin: update?.implicitMargin ?? NaN,
      gradNorm: update?.gradNorm ?? NaN,
      pairs,
    },
    diagnostics: {
      pairs_per_group: made.candidates > 0 ? pairs / made.candidates : 0,
      reward_gap: made.rewardGap,
      implicit_accuracy_last_epoch: update?.lastImplicitAccuracy ?? NaN,
      implicit_margin_last_epoch: update?.lastImplicitMargin ?? NaN,
      policy_loss_gap: update?.policyLossGap ?? NaN,
      reference_loss_gap: update?.referenceLossGap ?? NaN,
      skipped_epochs: update?.skippedEpochs ?? 0,
    },
    skippedUpdate: update === null || update.skippedEpochs === innerEpochs,
    klToReference: NaN,
  };
}

/** Rows `idx` of `images` (none: an empty [0, …] batch). */
function rows(images: Tensor, idx: readonly number[]): Tensor {
  if (idx.length === 0) return images.narrow(0, 0, 0).clone();
  return images.indexSelect(0, torch.tensor([...idx], { dtype: 'int64' }));
}

/** A rank's share of pairs when the iteration has fewer pairs than ranks: none, shaped like the policy's samples. */
function emptyPairBatch(shape: readonly number[]): PairBatch {
  return { winners: torch.zeros([0, ...shape]), losers: torch.zeros([0, ...shape]), prompts: [] };
}

/** The share field of IterationPairs (data parallel only). */
function shareOf(range: SampleRange, total: number, dp: AlgorithmContext['dataParallel']): { share?: PairShare } {
  return dp ? { share: { first: range.start, total, dataParallel: dp } } : {};
}

function disposePairs(b: PairBatch): void {
  const ts: Tensor[] = [b.winners, b.losers];
  torch.disposeAll(ts);
}
