// The iteration every on-policy algorithm that learns from its own fresh samples shares (GRPO, DDPO, RWR,
// DiffusionNFT, AWM), as stages (STYLE §4):
//   draw prompt groups → rollout → images → reward → non-finite guard → [no-signal check] → advantage → update
//   → log → dispose the rollout.
// A subclass supplies only what differs: its rollout, its credit, its update and its log. Everything around the
// iteration (store, evaluation, checkpoints, resume, monitors) is the shared loop's, src/train/trainer.ts.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { AdamW } from '../torch/optim/index.js';
import { tensorToImages } from '../data/image-tensor.js';
import type { RewardResult } from '../rewards/types.js';
import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from './algorithm.js';
import { drawPromptGroups, type PromptGroups } from './prompt-groups.js';
import { nonFiniteCount, nonFiniteRewardLog, rewardSummary, type StepLogTail } from './step-log.js';
import { policyOptimizer } from './policy-optimizer.js';
import { averageLog, gatherRewards, shardCredit, shardGroups, shardRange } from './data-parallel.js';

/** What a rollout must expose to be scored; every tensor reachable from it is freed when the iteration ends. */
export interface Rollout {
  /** x₀ [B, C, H, W] in [−1, 1]. */
  readonly finalSample: Tensor;
}

/** How many prompts one iteration draws (`prompts`) and how many samples each gets (`samplesPerPrompt`, the group). */
export interface GroupShape {
  readonly prompts: number;
  readonly samplesPerPrompt: number;
}

export abstract class OnlineAlgorithm<R extends Rollout, A, U> implements Algorithm {
  abstract readonly name: string;
  protected readonly ctx: AlgorithmContext;
  /** AdamW on the policy's trainable parameters (policy-optimizer.ts). */
  protected readonly optimizer: AdamW;

  /** `encoderLr`: train the prompt encoder too, at that rate (policy-optimizer.ts); absent: it stays frozen. */
  protected constructor(ctx: AlgorithmContext, lr: number, encoderLr?: number) {
    this.ctx = ctx;
    this.optimizer = policyOptimizer(ctx, lr, encoderLr);
  }

  /** The prompt groups of one iteration. */
  protected abstract groupShape(): GroupShape;
  /** Stage 1 — sample the groups' prompts (no grad). */
  protected abstract rollout(groups: PromptGroups, iteration: number): R;
  /**
   * Stage 3 — credit, inside the iteration's tensor scope. `scored` and `groups` always cover all B samples; the
   * rollout is this rank's share (all of it in one process). Per-sample credit must be top-level tensors with B rows
   * or arrays of length B, which data parallelism narrows to the rank's rows (data-parallel.ts shardCredit).
   */
  protected abstract advantage(scored: RewardResult, groups: PromptGroups, rollout: R): A;
  /** Stage 4 — the parameter update, inside the same scope. */
  protected abstract update(rollout: R, advantage: A, groups: PromptGroups, iteration: number): U;
  /** The iteration's metrics, diagnostics, skip flag and KL (`seconds` is added here). */
  protected abstract log(update: U, advantage: A): StepLogTail;

  /** A log when the scored batch carries nothing to learn (then no update runs); default: it always does. */
  protected noSignal(_scored: RewardResult, _groups: PromptGroups): StepLogTail | null {
    return null;
  }

  async step(iteration: number): Promise<AlgorithmStepLog> {
    const t0 = performance.now();
    const seconds = (): number => (performance.now() - t0) / 1000;
    const { prompts, reward, seed, dataParallel: dp } = this.ctx;
    const shape = this.groupShape();
    const groups = drawPromptGroups(prompts, seed, iteration, shape.prompts, shape.samplesPerPrompt);
    // Data parallel: this rank samples and scores its share; everything after sees all B rewards (data-parallel.ts).
    const range = dp ? shardRange(groups.prompts.length, dp.rank, dp.worldSize) : null;
    const own = range ? shardGroups(groups, range) : groups;
    const rollout = this.rollout(own, iteration);
    try {
      const rgb = tensorToImages(rollout.finalSample);
      const ownScored = await reward.score({ rgb, prompts: own.prompts, metadata: { iteration, seeds: own.seeds } });
      const scored = dp ? gatherRewards(ownScored, dp) : ownScored;
      const head = { samples: groups.prompts.length, ...rewardSummary(scored) };
      const nonFinite = nonFiniteCount(scored.total); // credit never sees a NaN reward
      if (nonFinite > 0) return { ...head, ...nonFiniteRewardLog(nonFinite, seconds()) };
      const quiet = this.noSignal(scored, groups);
      if (quiet !== null) return { ...head, ...withSeconds(quiet, seconds()) };
      const tail = torch.scope(() => {
        const credit = this.advantage(scored, groups, rollout);
        if (!dp || !range) return this.log(this.update(rollout, credit, groups, iteration), credit);
        const advantage = shardCredit(credit, range, groups.prompts.length);
        return averageLog(this.log(this.update(rollout, advantage, own, iteration), advantage), dp);
      });
      return { ...head, ...withSeconds(tail, seconds()) };
    } finally {
      torch.disposeAll(rollout); // its tensors and the conditioning it was sampled with
    }
  }

  abstract stateDict(): AlgorithmState;
  abstract loadStateDict(state: AlgorithmState): void;

  dispose(): void {
    this.optimizer.dispose();
  }
}

function withSeconds(tail: StepLogTail, seconds: number): StepLogTail {
  return { ...tail, metrics: { ...tail.metrics, seconds } };
}
