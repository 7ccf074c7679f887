// Diffusion-DPO update: per-sample flow-matching losses of winner and loser at one shared (σ, ε) under the policy
// (with grad) and the frozen reference (no grad), the DPO loss (loss.ts), AdamW. Gradients are accumulated over the
// minibatches of one inner epoch and applied once per epoch, like the GRPO update stage.
// Data parallel (../data-parallel.ts): every rank forms the same pairs and holds a contiguous share of them; the
// epoch's (σ, ε) are drawn for all pairs and each rank takes the rows of its own, so pair k is noised alike however
// the pairs are split over ranks or minibatches; each pair weighs 1/total, each rank's gradient N× (the all-reduce
// averages), and the log's statistics are partial sums added over the ranks — 2 ranks train as 1.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { AdamW } from '../../torch/optim/index.js';
import { clippedGradNorm, sumOverRanks, type DataParallel } from '../data-parallel.js';
import { flowMatchingLoss } from '../../generate/flow-matching-loss.js';
import { SHAPES_VOCABULARY } from '../../data/shapes/vocab.js';
import type { WordVocabulary } from '../../data/vocabulary.js';
import { deriveSeed } from '../../data/rng.js';
import type { ImagePolicy } from '../../models/index.js';
import { diffusionDpoLoss } from './loss.js';
import type { ReferenceModel } from '../algorithm.js';

/** This process's pairs [first, first + N) of the iteration's `total`, and the ranks that hold the others. */
export interface PairShare {
  readonly first: number;
  readonly total: number;
  readonly dataParallel: DataParallel;
}

/** N preference pairs as tensors: winner and loser images [N, C, H, W] in [−1, 1] and their prompt texts. */
export interface PairBatch {
  winners: Tensor;
  losers: Tensor;
  prompts: readonly string[];
}

export interface DpoUpdateOptions {
  beta: number;
  gradClip: number;
  innerEpochs: number;
  minibatchSize: number;
  sigmaSampling: 'uniform' | 'logit_normal';
  /** Seed of this iteration's noise: (σ, ε) of all pairs of epoch e come from deriveSeed(seed, e, 0), pair k on row k. */
  seed: number;
  /** Data parallel: which of the iteration's pairs `pairs` are (absent: all of them, one process). */
  share?: PairShare;
  /** The prompts' tokenizer (default: the Shapes world's). */
  vocabulary?: WordVocabulary;
}

export interface DpoUpdateLog {
  loss: number;
  /** Implicit reward accuracy and margin on the first epoch (before this iteration's updates). */
  implicitAccuracy: number;
  implicitMargin: number;
  /** Same on the last epoch (after the earlier epochs' updates). */
  lastImplicitAccuracy: number;
  lastImplicitMargin: number;
  /** Mean L_θ^w − L_θ^l and L_ref^w − L_ref^l of the first epoch. */
  policyLossGap: number;
  referenceLossGap: number;
  gradNorm: number;
  skippedEpochs: number;
}

/** Per-sample flow-matching losses of winners and losers [N] each, at shared σ [N] and ε [N, ...]. */
export function pairFlowMatchingLosses(
  model: ReferenceModel,
  pairs: PairBatch,
  sigma: Tensor,
  noise: Tensor,
  vocabulary: WordVocabulary = SHAPES_VOCABULARY,
): { winner: Tensor; loser: Tensor } {
  return torch.scope(() => {
    const N = pairs.prompts.length;
    const tokens = vocabulary.tokenizeBatch([...pairs.prompts, ...pairs.prompts]);
    const cond = model.encode(tokens);
    const x0 = torch.cat([pairs.winners, pairs.losers], 0); // [2N, …]: winner and loser share ε and σ
    const fm = flowMatchingLoss(model.denoiser(), x0, cond, {
      noise: torch.cat([noise, noise], 0),
      sigma: torch.cat([sigma, sigma], 0),
    });
    const [winner, loser] = fm.perSample.split(N);
    return { winner: winner!, loser: loser! };
  });
}

/** σ [N] and ε [N, ...] for N pairs, from one seeded generator (σ first, then ε). */
export function drawPairNoise(
  N: number,
  sampleShape: readonly number[],
  sigmaSampling: 'uniform' | 'logit_normal',
  seed: number,
): { sigma: Tensor; noise: Tensor } {
  const gen = new torch.Generator(seed);
  try {
    return torch.scope(() => {
      const sigma =
        sigmaSampling === 'uniform'
          ? torch.rand([N], { generator: gen }) // σ ~ U(0, 1)
          : torch.randn([N], { generator: gen }).sigmoid(); // σ = sigmoid(n), SD3's logit-normal (m 0, s 1)
      const noise = torch.randn([N, ...sampleShape], { generator: gen }); // ε ~ N(0, I)
      return { sigma, noise };
    });
  } finally {
    gen.dispose();
  }
}

export function dpoUpdate(
  policy: ImagePolicy,
  reference: ReferenceModel,
  optimizer: AdamW,
  pairs: PairBatch,
  o: DpoUpdateOptions,
): DpoUpdateLog {
  const N = pairs.prompts.length;
  const total = o.share?.total ?? N;
  const first = o.share?.first ?? 0;
  const ranks = o.share?.dataParallel.worldSize ?? 1;
  const params = policy.parameters().filter((p) => p.requiresGrad);
  const acc = { loss: 0, n: 0, gradNorm: 0, steps: 0, skipped: 0 };
  const epochStats: EpochStats[] = [];
  for (let epoch = 0; epoch < o.innerEpochs; epoch++) {
    optimizer.zeroGrad();
    let finite = true;
    const stats: EpochStats = { accuracy: 0, margin: 0, policyGap: 0, referenceGap: 0 };
    // every pair's (σ, ε) of this epoch: row k is pair k's, whichever rank and minibatch train it
    const drawn = N > 0 ? drawPairNoise(total, pairs.winners.shape.slice(1), o.sigmaSampling, deriveSeed(o.seed, epoch, 0)) : null;
    try {
      for (let start = 0; start < N; start += o.minibatchSize) {
        const end = Math.min(N, start + o.minibatchSize);
        torch.scope(() => {
          const sub: PairBatch = {
            winners: pairs.winners.narrow(0, start, end - start),
            losers: pairs.losers.narrow(0, start, end - start),
            prompts: pairs.prompts.slice(start, end),
          };
          const sigma = drawn!.sigma.narrow(0, first + start, end - start);
          const noise = drawn!.noise.narrow(0, first + start, end - start);
          const pol = pairFlowMatchingLosses(policy, sub, sigma, noise, o.vocabulary);
          const ref = torch.noGrad(() => pairFlowMatchingLosses(reference, sub, sigma, noise, o.vocabulary));
          const dpo = diffusionDpoLoss({
            policyWinner: pol.winner,
            policyLoser: pol.loser,
            referenceWinner: ref.winner,
            referenceLoser: ref.loser,
            beta: o.beta,
          });
          const w = (end - start) / total;
          stats.accuracy += dpo.accuracy * w;
          stats.margin += dpo.meanMargin * w;
          stats.policyGap += pol.winner.sub(pol.loser).mean().item() * w;
          stats.referenceGap += ref.winner.sub(ref.loser).mean().item() * w;
          const value = dpo.loss.item();
          if (!Number.isFinite(value)) {
            finite = false;
            return;
          }
          // the epoch's gradient is that of the mean over all `total` pairs (× ranks: the all-reduce averages)
          dpo.loss.mul(w * ranks).backward();
          acc.loss += value * w;
        });
      }
    } finally {
      if (drawn) torch.disposeAll([drawn.sigma, drawn.noise]);
    }
    epochStats.push(stats);
    acc.n++;
    // every rank reaches this, even with no pairs of its own (the gradient average is a collective)
    const gn = clippedGradNorm(optimizer, params, o.gradClip, finite);
    if (Number.isFinite(gn)) {
      optimizer.step();
      acc.gradNorm += gn;
      acc.steps++;
    } else {
      optimizer.zeroGrad(); // a non-finite loss or gradient skips this epoch's update (counted)
      acc.skipped++;
    }
  }
  return updateLog(acc, epochStats, o.share?.dataParallel);
}

interface EpochStats {
  accuracy: number;
  margin: number;
  policyGap: number;
  referenceGap: number;
}

/** The log from this process's partial sums (each pair weighted 1/total), added over the ranks when data parallel. */
function updateLog(
  acc: { loss: number; n: number; gradNorm: number; steps: number; skipped: number },
  epochStats: EpochStats[],
  dp: DataParallel | undefined,
): DpoUpdateLog {
  const first = epochStats[0]!;
  const last = epochStats[epochStats.length - 1]!;
  const [loss, accuracy, margin, policyGap, referenceGap, lastAccuracy, lastMargin] = sumOverRanks(
    [acc.loss, first.accuracy, first.margin, first.policyGap, first.referenceGap, last.accuracy, last.margin],
    dp,
  );
  return {
    loss: loss! / Math.max(1, acc.n),
    implicitAccuracy: accuracy!,
    implicitMargin: margin!,
    lastImplicitAccuracy: lastAccuracy!,
    lastImplicitMargin: lastMargin!,
    policyLossGap: policyGap!,
    referenceLossGap: referenceGap!,
    gradNorm: acc.steps > 0 ? acc.gradNorm / acc.steps : NaN,
    skippedEpochs: acc.skipped,
  };
}
