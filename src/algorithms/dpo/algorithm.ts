// Diffusion-DPO as an Algorithm (algorithm.ts): offline, on a fixed pool of preference pairs, or online, on pairs
// formed from the current policy's own samples scored by ctx.reward (best vs worst of each prompt's group).
// Stages: (online) sample → reward → pair, or (offline) draw pairs; then the DPO update (update.ts).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { AdamW } from '../../torch/optim/index.js';
import { Rng, deriveSeed } from '../../data/rng.js';
import { tensorToImages } from '../../data/image-tensor.js';
import { rolloutPrompts } from '../../pipeline/text-to-image.js';
import type { PreferencePair } from '../../rewards/preference/pairs.js';
import type { RewardPrompt } from '../../rewards/types.js';
import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from '../algorithm.js';
import { parseDpoSection } from './config.js';
import { groupPreferencePairs } from './online-pairs.js';
import { drawPairs, loadPairPool, pairBatchOf, type PreferenceFileLoader } from './pair-source.js';
import { dpoUpdate, type DpoUpdateLog, type PairBatch } from './update.js';
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import { rewardSummary } from '../step-log.js';

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

export function createDiffusionDpo(ctx: AlgorithmContext, section: unknown, deps: DpoDependencies = {}): Algorithm {
  const config = parseDpoSection(section);
  const { policy, reference } = ctx;
  policy.eval();
  policy.encoder.requiresGrad_(false); // the prompt encoder stays the base's, as in GRPO
  const optimizer = new AdamW(
    policy.parameters().filter((p) => p.requiresGrad),
    { lr: config.lr, weightDecay: 0 },
  );
  const pool =
    config.mode === 'offline'
      ? loadPairPool(config.offline.source, policy.config.unet.imageSize, deps.loadPreferenceFile)
      : [];

  const onlinePairs = async (it: number): Promise<IterationPairs> => {
    const o = config.online;
    const rng = new Rng(deriveSeed(ctx.seed, it, 1));
    const distinct = Array.from({ length: o.promptsPerIteration }, () => ctx.prompts.sample(rng));
    const prompts: RewardPrompt[] = distinct.flatMap((p) => Array<RewardPrompt>(o.groupSize).fill(p));
    const groupIds = distinct.flatMap((_, g) => Array<number>(o.groupSize).fill(g));
    const seeds = prompts.map((_, i) => deriveSeed(ctx.seed, it, 2, i));
    const images = torch.scope(
      () =>
        rolloutPrompts(
          policy,
          prompts.map((p) => p.text),
          seeds,
          { steps: o.sampler.steps, guidance: o.sampler.guidance, sde: 'ode', vocabulary: ctx.vocabulary },
        ).finalSample,
    );
    try {
      const scored = await ctx.reward.score({ images, rgb: tensorToImages(images), prompts });
      const pairs = groupPreferencePairs(scored.total, groupIds, o.pairing, o.minMargin);
      const batch =
        pairs.length === 0
          ? null
          : torch.scope(() => {
              const w = torch.tensor(pairs.map((p) => p.winner), { dtype: 'int64' });
              const l = torch.tensor(pairs.map((p) => p.loser), { dtype: 'int64' });
              return { winners: images.indexSelect(0, w), losers: images.indexSelect(0, l), prompts: pairs.map((p) => prompts[p.winner]!.text) };
            });
      return {
        batch,
        samples: prompts.length,
        ...rewardSummary(scored),
        rewardGap: pairs.length ? pairs.reduce((s, p) => s + p.rewardGap, 0) / pairs.length : NaN,
        candidates: distinct.length,
      };
    } finally {
      images.dispose();
    }
  };

  const offlinePairs = (it: number): IterationPairs => {
    const drawn: PreferencePair[] = drawPairs(pool, config.offline.pairsPerIteration, new Rng(deriveSeed(ctx.seed, it, 1)));
    return { batch: pairBatchOf(drawn), samples: 0, reward: NaN, components: {}, rewardGap: NaN, candidates: drawn.length };
  };

  return {
    name: 'dpo',
    async step(iteration: number): Promise<AlgorithmStepLog> {
      const made = config.mode === 'online' ? await onlinePairs(iteration) : offlinePairs(iteration);
      let update: DpoUpdateLog | null = null;
      if (made.batch !== null) {
        try {
          update = dpoUpdate(policy, reference, optimizer, made.batch, { ...config, seed: deriveSeed(ctx.seed, iteration, 3), vocabulary: ctx.vocabulary });
        } finally {
          disposePairs(made.batch);
        }
      }
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
        skippedUpdate: update === null || update.skippedEpochs === config.innerEpochs,
        klToReference: NaN,
      };
    },
    stateDict(): AlgorithmState {
      return optimizerToState(optimizer);
    },
    loadStateDict(state: AlgorithmState): void {
      optimizerFromState(optimizer, state, 'dpo.loadStateDict');
    },
    dispose(): void {
      optimizer.dispose();
    },
  };
}

function disposePairs(b: PairBatch): void {
  const ts: Tensor[] = [b.winners, b.losers];
  torch.disposeAll(ts);
}
