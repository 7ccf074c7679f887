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
import { syntheticShapesPairs, type PairKind } from './pairs.js';

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

/** Trains the reward; training and held-out pairs come from different seeds derived from `seed`. */
export async function trainSyntheticPreferenceReward(opts: Partial<SyntheticRewardOptions> = {}): Promise<TrainedSyntheticReward> {
  const o = { ...DEFAULT_SYNTHETIC_REWARD, ...opts };
  const kinds = o.kinds ? { kinds: o.kinds } : {};
  const train = syntheticShapesPairs({ count: o.pairs, seed: 2 * o.seed + 1, labelNoise: o.labelNoise, ...kinds });
  const trainOpts = { ...DEFAULT_BT_TRAIN, ...o.train, seed: o.train.seed ?? o.seed };
  const reward = o.members > 1 ? RewardEnsemble.train(train, { ...trainOpts, members: o.members }) : BradleyTerryRewardModel.fromPairs(train, trainOpts);
  const heldOutAccuracy =
    o.heldOutPairs > 0
      ? await heldOutPairwiseAccuracy(reward, syntheticShapesPairs({ count: o.heldOutPairs, seed: 2 * o.seed + 2, labelNoise: 0, ...kinds }))
      : NaN;
  return { reward, heldOutAccuracy };
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
