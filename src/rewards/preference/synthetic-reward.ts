/**
 * A differentiable learned reward for the Shapes world in one call: synthetic gold-labelled preference pairs
 * (pairs.ts, with label noise) → a Bradley–Terry model or a bootstrap ensemble, with its held-out pairwise accuracy
 * on fresh, correctly labelled pairs — the proxy reward of reward back-propagation (ReFL / DRaFT), whose gold we
 * still know. Plus saving and loading a trained Bradley–Terry model (net weights + its zero offset).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../torch/index.js';
import { heldOutPairwiseAccuracy } from './accuracy.js';
import { BradleyTerryRewardModel, DEFAULT_BT_TRAIN, type BradleyTerryTrainOptions } from './bt-model.js';
import { RewardEnsemble } from './ensemble.js';
import { DEFAULT_PREFERENCE_NET, PreferenceNet, type PreferenceNetConfig } from './net.js';
import { DEFAULT_SYNTHETIC_PAIRS, syntheticShapesPairs, type PairKind, type SyntheticPairOptions } from './pairs.js';
import type { RewardModel } from '../types.js';

export interface SyntheticRewardOptions {
  /** Training pairs and their label-flip probability. */
  pairs: number;
  labelNoise: number;
  /** Fresh, correctly labelled pairs the accuracy is measured on (0 skips the measurement). */
  heldOutPairs: number;
  /** 1: one Bradley–Terry model; more: a bootstrap ensemble (mean score). */
  members: number;
  kinds?: readonly PairKind[];
  train: Partial<BradleyTerryTrainOptions>;
  seed: number;
}

export const DEFAULT_SYNTHETIC_REWARD: Readonly<SyntheticRewardOptions> = Object.freeze({
  pairs: 1500,
  labelNoise: 0.1,
  heldOutPairs: 500,
  members: 1,
  train: Object.freeze({ steps: 800 }),
  seed: 0,
});

export interface TrainedSyntheticReward {
  reward: BradleyTerryRewardModel | RewardEnsemble;
  /** Held-out pairwise accuracy (NaN when heldOutPairs is 0). */
  heldOutAccuracy: number;
}

/**
 * Every option resolved against its defaults: the training pairs, the held-out pairs, the member count and the
 * Bradley–Terry training options. Training and held-out pairs come from different seeds derived from `seed`
 * (2·seed + 1 and 2·seed + 2). Everything but `heldOut` decides the trained model, so a cache key hashes that part
 * (rm-cache.ts).
 */
export interface SyntheticRewardRecipe {
  trainPairs: SyntheticPairOptions;
  heldOut: SyntheticPairOptions;
  members: number;
  train: BradleyTerryTrainOptions & { net: PreferenceNetConfig };
}

export function syntheticRewardRecipe(opts: Partial<SyntheticRewardOptions> = {}): SyntheticRewardRecipe {
  const o = { ...DEFAULT_SYNTHETIC_REWARD, ...opts };
  const pairs = { ...DEFAULT_SYNTHETIC_PAIRS, labelNoise: o.labelNoise, ...(o.kinds ? { kinds: o.kinds } : {}) };
  const train = { ...DEFAULT_BT_TRAIN, ...o.train, seed: o.train.seed ?? o.seed };
  return {
    trainPairs: { ...pairs, count: o.pairs, seed: 2 * o.seed + 1 },
    heldOut: { ...pairs, count: o.heldOutPairs, seed: 2 * o.seed + 2, labelNoise: 0 },
    members: o.members,
    train: { ...train, net: { ...DEFAULT_PREFERENCE_NET, ...train.net } },
  };
}

/** Trains the recipe's model: one Bradley–Terry model, or a bootstrap ensemble when members > 1. */
export function trainSyntheticRewardModel(r: SyntheticRewardRecipe): BradleyTerryRewardModel | RewardEnsemble {
  const pairs = syntheticShapesPairs(r.trainPairs);
  return r.members > 1 ? RewardEnsemble.train(pairs, { ...r.train, members: r.members }) : BradleyTerryRewardModel.fromPairs(pairs, r.train);
}

/** Pairwise accuracy on the recipe's fresh, correctly labelled held-out pairs (NaN when there are none). */
export async function syntheticHeldOutAccuracy(reward: RewardModel, r: SyntheticRewardRecipe): Promise<number> {
  return r.heldOut.count > 0 ? heldOutPairwiseAccuracy(reward, syntheticShapesPairs(r.heldOut)) : NaN;
}

/** Trains the reward and measures its held-out accuracy (see syntheticRewardRecipe for the seeds). */
export async function trainSyntheticPreferenceReward(opts: Partial<SyntheticRewardOptions> = {}): Promise<TrainedSyntheticReward> {
  const recipe = syntheticRewardRecipe(opts);
  const reward = trainSyntheticRewardModel(recipe);
  return { reward, heldOutAccuracy: await syntheticHeldOutAccuracy(reward, recipe) };
}

const WEIGHTS = 'reward.safetensors';
const META = 'reward.json';

/** Writes `<dir>/reward.safetensors` and `<dir>/reward.json` (net config, offset, name, version). */
export function saveBradleyTerry(dir: string, rm: BradleyTerryRewardModel): void {
  mkdirSync(dir, { recursive: true });
  torch.scope(() => torch.saveStateDict(path.join(dir, WEIGHTS), rm.net.stateDict()));
  writeFileSync(path.join(dir, META), `${JSON.stringify({ net: rm.net.config, offset: rm.offset, name: rm.name, version: rm.version }, null, 2)}\n`);
}

/** Loads a model saved by saveBradleyTerry, frozen (eval mode, no grad on its parameters). */
export function loadBradleyTerry(dir: string): BradleyTerryRewardModel {
  const meta = path.join(dir, META);
  if (!existsSync(meta)) {
    throw new Error(`refract bradley-terry: ${dir} must hold ${META} and ${WEIGHTS}, got no ${META} — save one with saveBradleyTerry`);
  }
  const m = JSON.parse(readFileSync(meta, 'utf8')) as { net: PreferenceNetConfig; offset: number; name: string; version: string };
  const net = new PreferenceNet({ ...DEFAULT_PREFERENCE_NET, ...m.net });
  const sd = torch.loadStateDictFile(path.join(dir, WEIGHTS));
  try {
    net.loadStateDict(sd);
  } finally {
    torch.disposeAll([...sd.values()]);
  }
  net.eval();
  net.requiresGrad_(false);
  return new BradleyTerryRewardModel(net, m.offset, { name: m.name, version: m.version });
}
