// Offline preference pairs for Diffusion-DPO: a fixed pool (synthetic Shapes-world pairs labelled by the gold
// evaluator, or a preferences file read by the store layer), from which each iteration draws a seeded subset.
import * as torch from '../../torch/index.js';
import { imagesToTensor } from '../../data/image-tensor.js';
import { Rng } from '../../data/rng.js';
import { syntheticShapesPairs, type PreferencePair } from '../../rewards/preference/pairs.js';
import type { DpoPairSourceConfig } from './config.js';
import type { PairBatch } from './update.js';

/**
 * Reads the pairs of a preferences file (JSONL export or runs.sqlite). Lives in the store layer
 * (store/preference-pairs.ts) and is handed in by the trainer, so algorithms/ never imports store/.
 */
export type PreferenceFileLoader = (file: string) => PreferencePair[];

/** The pool of pairs a source config names. Pairs whose images do not match `imageSize` are an error. */
export function loadPairPool(
  source: DpoPairSourceConfig,
  imageSize: number,
  loadFile: PreferenceFileLoader | undefined,
  where = 'refract train',
): PreferencePair[] {
  let pairs: PreferencePair[];
  if (source.kind === 'synthetic') {
    pairs = syntheticShapesPairs({
      count: source.count,
      seed: source.seed,
      labelNoise: source.labelNoise,
      ...(source.kinds ? { kinds: source.kinds } : {}),
    });
  } else {
    if (loadFile === undefined) {
      throw new Error(
        `${where}: dpo.offline.source.path needs a preference-file loader, got none — build the algorithm through the trainer's registry (it passes store/preference-pairs.ts)`,
      );
    }
    pairs = loadFile(source.path);
  }
  if (pairs.length === 0) {
    throw new Error(`${where}: dpo.offline.source must yield at least one strict preference pair, got none — add pairs or drop ties`);
  }
  pairs.forEach((p, i) => {
    for (const [side, img] of [
      ['chosen', p.chosen],
      ['rejected', p.rejected],
    ] as const) {
      if (img.width !== imageSize || img.height !== imageSize) {
        throw new Error(
          `${where}: dpo.offline.source pair ${i} ${side} image must be ${imageSize}×${imageSize} like the policy, got ${img.width}×${img.height} — resize the images`,
        );
      }
    }
  });
  return pairs;
}

/** `count` distinct pairs of the pool (all when the pool is smaller), drawn by `rng` (a seeded shuffle). */
export function drawPairs(pool: readonly PreferencePair[], count: number, rng: Rng): PreferencePair[] {
  const order = rng.shuffle(Array.from({ length: pool.length }, (_, i) => i));
  return order.slice(0, Math.min(count, pool.length)).map((i) => pool[i]!);
}

/** Pairs as tensors for the DPO update. */
export function pairBatchOf(pairs: readonly PreferencePair[]): PairBatch {
  return torch.scope(() => ({
    winners: imagesToTensor(pairs.map((p) => p.chosen)),
    losers: imagesToTensor(pairs.map((p) => p.rejected)),
    prompts: pairs.map((p) => p.prompt.text),
  }));
}
