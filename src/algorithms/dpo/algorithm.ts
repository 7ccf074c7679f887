// Diffusion-DPO as an Algorithm (algorithm.ts): offline, on a fixed pool of preference pairs, or online, on pairs
// formed from the current policy's own samples scored by ctx.reward (best vs worst of each prompt's group).
// Stages: (online) sample → reward → pair, or (offline) draw pairs; then the DPO update (update.ts).
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
import { dpoUpdate, type DpoUpdateLog, type PairBatch } from './update.js';
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
  batch: PairBatch | null;
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
        const options = { ...c, seed: deriveSeed(this.#ctx.seed, iteration, 3), vocabulary: this.#ctx.vocabulary };
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
    const { policy, reward, vocabulary } = this.#ctx;
    const { prompts, groupIds, seeds } = drawPromptGroups(this.#ctx.prompts, this.#ctx.seed, it, o.promptsPerIteration, o.groupSize);
    const texts = prompts.map((p) => p.text);
    const sampling = { steps: o.sampler.steps, guidance: o.sampler.guidance, sde: 'ode' as const, vocabulary };
    const images = torch.scope(() => rolloutPrompts(policy, texts, seeds, sampling).finalSample);
    try {
      const scored = await reward.score({ images, rgb: tensorToImages(images), prompts });
      const pairs = groupPreferencePairs(scored.total, groupIds, o.pairing, o.minMargin);
      const batch =
        pairs.length === 0
          ? null
          : torch.scope(() => {
              const w = torch.tensor(pairs.map((p) => p.winner), { dtype: 'int64' });
              const l = torch.tensor(pairs.map((p) => p.loser), { dtype: 'int64' });
              return { winners: images.indexSelect(0, w), losers: images.indexSelect(0, l), prompts: pairs.map((p) => texts[p.winner]!) };
            });
      return {
        batch,
        samples: prompts.length,
        ...rewardSummary(scored),
        rewardGap: pairs.length ? pairs.reduce((s, p) => s + p.rewardGap, 0) / pairs.length : NaN,
        candidates: o.promptsPerIteration,
      };
    } finally {
      images.dispose();
    }
  }

  #offlinePairs(it: number): IterationPairs {
    const drawn = drawPairs(this.#pool, this.#config.offline.pairsPerIteration, new Rng(deriveSeed(this.#ctx.seed, it, 1)));
    return { batch: pairBatchOf(drawn), samples: 0, reward: NaN, components: {}, rewardGap: NaN, candidates: drawn.length };
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
  const pairs = made.batch === null ? 0 : made.batch.prompts.length;
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

function disposePairs(b: PairBatch): void {
  const ts: Tensor[] = [b.winners, b.losers];
  torch.disposeAll(ts);
}
