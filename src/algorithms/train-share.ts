// How an iteration's trained samples are cut into optimizer steps when ranks share them (DESIGN §6, issue #14):
// every rank shuffles the global indices 0..total−1 with the same seeded Rng and cuts the order into the same
// steps, so a step's members do not depend on how the samples are spread over the ranks. Each rank replays the
// members of each step it holds and weights its loss ranks·n/G (n held, G the step's size over all ranks): after
// the all-reduce averages, every step's gradient is that of the mean over its G samples — the single process's —
// for unequal shares (GRPO's skipped groups; a shuffled step's members fall unequally on the ranks anyway) and
// however many steps an epoch takes. Shuffling and cutting each rank's own rows instead is exact only when an
// epoch is one step. One process: the identity share, so the order and the steps are what they always were.
// Used by GRPO and DDPO (their update stages); RWR, NFT and AWM take one step per epoch over all their rows.
import type { Rng } from '../data/rng.js';
import type { AdamW } from '../torch/optim/index.js';
import type { Tensor } from '../torch/index.js';
import { clippedGradNorm, type DataParallel } from './data-parallel.js';

/** Which of the iteration's trained samples this process holds. */
export interface TrainShare {
  /** Trained samples, by index 0..total−1 over all ranks, → this process's row of its batch. */
  readonly rowOf: ReadonlyMap<number, number>;
  /** The iteration's trained samples over all ranks. */
  readonly total: number;
  readonly dataParallel?: DataParallel;
}

/**
 * The share of a process whose row r is trained sample `trainIndex[r]` (−1: not trained), of `total` over all
 * ranks. Algorithms carry `trainIndex` in their credit as an array of B, which data parallelism slices to the
 * rank's rows (data-parallel.ts shardCredit).
 */
export function trainShare(trainIndex: readonly number[], total: number, dataParallel?: DataParallel): TrainShare {
  const rowOf = new Map(trainIndex.flatMap((k, row) => (k >= 0 ? [[k, row] as const] : [])));
  return { rowOf, total, ...(dataParallel ? { dataParallel } : {}) };
}

/** Every row of a `count`-sample batch is trained, in order (`trainIndex` of a credit that skips nothing). */
export function allTrained(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** One optimizer step of an epoch. */
export interface ShareStep {
  /** Its members' global indices, in the shuffled order (the same on every rank). */
  readonly members: readonly number[];
  /** This process's rows of the members it holds, in the members' order. */
  readonly rows: readonly number[];
}

/**
 * One epoch's optimizer steps: a fresh shuffle of 0..total−1 from `rng` (one draw per epoch, identical on every
 * rank), cut into consecutive steps of `perStep` members (the last may be shorter).
 */
export function epochSteps(share: TrainShare, rng: Rng, perStep: number): ShareStep[] {
  const order = rng.shuffle(Array.from({ length: share.total }, (_, i) => i));
  const size = Math.max(1, perStep);
  const steps: ShareStep[] = [];
  for (let start = 0; start < order.length; start += size) {
    const members = order.slice(start, start + size);
    steps.push({ members, rows: members.flatMap((k) => (share.rowOf.has(k) ? [share.rowOf.get(k)!] : [])) });
  }
  return steps;
}

/** The factor on a loss that is a mean over `n` of a step's samples: n/G, × ranks since the all-reduce averages. */
export function shareWeight(share: TrainShare, step: ShareStep, n: number): number {
  return ((share.dataParallel?.worldSize ?? 1) * n) / step.members.length;
}

/** Consecutive slices of at most `size` items. */
export function minibatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * One optimizer step on this process's rows of `step`, replayed in minibatches of `minibatchSize`: `minibatch`
 * back-propagates its weighted loss and says whether it was finite (it is told whether the step still is). Every
 * rank reaches the gradient all-reduce, even holding none of the step's samples (clippedGradNorm is a collective).
 * Returns the clipped-from gradient norm, NaN when the step was skipped (a non-finite loss or gradient on any rank).
 */
export function stepOnShare(
  optimizer: AdamW,
  params: Iterable<Tensor>,
  gradClip: number,
  rows: readonly number[],
  minibatchSize: number,
  minibatch: (rows: number[], stillFinite: boolean) => boolean,
): number {
  optimizer.zeroGrad();
  let finite = true;
  for (const idx of minibatches(rows, minibatchSize)) if (!minibatch(idx, finite)) finite = false;
  const gradNorm = clippedGradNorm(optimizer, params, gradClip, finite);
  if (Number.isFinite(gradNorm)) optimizer.step();
  optimizer.zeroGrad();
  return gradNorm;
}
