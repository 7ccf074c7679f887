/**
 * The `preference` reward kind (rewards/config.ts): a Bradley–Terry model, or a bootstrap ensemble, trained on
 * synthetic gold-labelled Shapes pairs (synthetic-reward.ts) — a differentiable *learned* proxy for reward
 * back-propagation (ReFL / DRaFT), whose gold (ShapesEval) we still know. With `cache`, a model trained with the
 * same options is loaded from `<cache>/<key>/` instead of re-trained (rm-cache.ts, the audit's cache format).
 * Its held-out pairwise accuracy on fresh, correctly labelled pairs is measured on every build (trained or loaded),
 * logged, kept as `heldOutAccuracy` and written into each result's `meta.model`.
 */
import path from 'node:path';
import type { Tensor } from '../../torch/index.js';
import type { DifferentiableRewardModel, RewardBatch, RewardPrompt, RewardResult } from '../types.js';
import { BradleyTerryRewardModel } from './bt-model.js';
import { RewardEnsemble } from './ensemble.js';
import { checkPessimism } from './conservative.js';
import { loadCachedMembers, rmCacheKey, saveCachedMembers } from './rm-cache.js';
import {
  syntheticHeldOutAccuracy,
  syntheticRewardRecipe,
  trainSyntheticRewardModel,
  type SyntheticRewardRecipe,
} from './synthetic-reward.js';

export interface PreferenceRewardOptions {
  /** Training pairs and the probability that each one's label is flipped. */
  pairs: number;
  labelNoise: number;
  /** 1: one Bradley–Terry model; more: a bootstrap ensemble (mean score). */
  members: number;
  /** Bradley–Terry training steps (per member). */
  steps: number;
  seed: number;
  /** Fresh, correctly labelled pairs the held-out accuracy is measured on. */
  heldOutPairs: number;
  /** Folder of trained models (load when present, write after training); absent: always train. */
  cache?: string;
  /** λ of the conservative reward mean − λ·std over members (./conservative.ts); 0: the mean. Needs members ≥ 2. */
  pessimism: number;
}

/** The measured setting of reward-backprop/config.ts (held-out accuracy 0.78). */
export const DEFAULT_PREFERENCE_REWARD: Readonly<PreferenceRewardOptions> = Object.freeze({
  pairs: 1500,
  labelNoise: 0.1,
  members: 1,
  steps: 800,
  seed: 0,
  heldOutPairs: 500,
  pessimism: 0,
});

/** The learned model with its held-out accuracy; scores are the model's, `meta.model` carries the accuracy. */
export class PreferenceReward implements DifferentiableRewardModel {
  readonly name = 'preference';
  /** The cache key of the model's training options: it changes whenever the scores can. */
  readonly version: string;
  readonly components: readonly string[];
  readonly differentiable = true;

  constructor(
    readonly model: BradleyTerryRewardModel | RewardEnsemble,
    /** Pairwise accuracy on `heldOutPairs` fresh pairs with true labels (0.5 is chance). */
    readonly heldOutAccuracy: number,
    readonly heldOutPairs: number,
    version: string,
  ) {
    this.version = version;
    this.components = model.components;
  }

  scoreDifferentiable(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return this.model.scoreDifferentiable(images, prompts);
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const r = await this.model.score(batch);
    const model = `${r.meta.model ?? 'bradley-terry-cnn'}, held-out pairwise accuracy ${this.heldOutAccuracy.toFixed(3)}`;
    return { ...r, meta: { name: this.name, version: this.version, model } };
  }

  async close(): Promise<void> {
    await this.model.close();
  }
}

/** The synthetic-reward recipe of `o` (pair and training seeds derived from `o.seed`, see synthetic-reward.ts). */
export function preferenceRewardRecipe(o: Readonly<PreferenceRewardOptions>): SyntheticRewardRecipe {
  return syntheticRewardRecipe({
    pairs: o.pairs,
    labelNoise: o.labelNoise,
    members: o.members,
    heldOutPairs: o.heldOutPairs,
    train: { steps: o.steps },
    seed: o.seed,
  });
}

/** The cache key: everything that decides the trained model (not the held-out measurement). */
export function preferenceRewardKey(recipe: SyntheticRewardRecipe): string {
  const { heldOut: _h, ...trained } = recipe;
  return rmCacheKey({ source: 'synthetic-reward', ...trained });
}

const describe = (r: SyntheticRewardRecipe): string =>
  `${r.members > 1 ? `a Bradley–Terry ensemble of ${r.members}` : 'a Bradley–Terry model'} ` +
  `(${r.train.steps} steps on ${r.trainPairs.count} pairs, label noise ${r.trainPairs.labelNoise})`;

/** Trains (or loads from `cache`) the reward of `opts` and measures its held-out accuracy; `onStatus` gets the log. */
export async function buildPreferenceReward(
  opts: Partial<PreferenceRewardOptions> = {},
  onStatus: (message: string) => void = (m) => process.stderr.write(`refract reward preference: ${m}\n`),
): Promise<PreferenceReward> {
  const o = { ...DEFAULT_PREFERENCE_REWARD, ...definedOnly(opts) };
  const recipe = preferenceRewardRecipe(o);
  const key = preferenceRewardKey(recipe);
  const dir = o.cache === undefined ? null : path.join(o.cache, key);
  const cached = dir === null ? null : loadCachedMembers(dir, recipe.members);
  checkPessimism(o.pessimism, 'refract reward preference');
  if (o.pessimism > 0 && o.members < 2) {
    throw new Error(`refract reward preference: members must be ≥ 2 when pessimism is set, got ${o.members} — one model has no disagreement to subtract`);
  }
  const trained = cached === null ? trainSyntheticRewardModel(recipe) : cached.length > 1 ? new RewardEnsemble(cached) : cached[0]!;
  if (cached === null && dir !== null) saveCachedMembers(dir, trained instanceof RewardEnsemble ? trained.members : [trained]);
  // pessimism changes the scores, not the trained members: the cache key leaves it out, the version names it
  const model = trained instanceof RewardEnsemble && o.pessimism > 0 ? new RewardEnsemble(trained.members, { pessimism: o.pessimism }) : trained;
  const accuracy = await syntheticHeldOutAccuracy(model, recipe);
  const origin = cached !== null ? `loaded ${describe(recipe)} from ${dir}` : `trained ${describe(recipe)}${dir === null ? '' : `, cached in ${dir}`}`;
  onStatus(`${origin} — held-out pairwise accuracy ${accuracy.toFixed(3)} on ${recipe.heldOut.count} fresh pairs (0.5 is chance)`);
  return new PreferenceReward(model, accuracy, recipe.heldOut.count, o.pessimism > 0 ? `${key};pessimism=${o.pessimism}` : key);
}

/** `o` without its undefined fields, so they do not overwrite defaults. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
