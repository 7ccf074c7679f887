// Learned preference reward models (Bradley–Terry CNN, bootstrap ensembles) and synthetic gold-labelled pairs.
export {
  PAIR_KINDS,
  DEFAULT_SYNTHETIC_PAIRS,
  syntheticShapesPairs,
  withLabelNoise,
  boxBlur,
  type PairKind,
  type PreferencePair,
  type SyntheticPairOptions,
} from './pairs.js';
export { PreferenceNet, DEFAULT_PREFERENCE_NET, type PreferenceNetConfig } from './net.js';
export {
  BradleyTerryRewardModel,
  DEFAULT_BT_TRAIN,
  pairTensors,
  promptTokens,
  type BradleyTerryTrainOptions,
  type PairTensors,
} from './bt-model.js';
export { RewardEnsemble, type EnsembleOptions } from './ensemble.js';
export { heldOutPairwiseAccuracy } from './accuracy.js';
export {
  trainSyntheticPreferenceReward,
  trainSyntheticRewardModel,
  syntheticRewardRecipe,
  syntheticHeldOutAccuracy,
  saveBradleyTerry,
  loadBradleyTerry,
  DEFAULT_SYNTHETIC_REWARD,
  type SyntheticRewardOptions,
  type TrainedSyntheticReward,
  type SyntheticRewardRecipe,
} from './synthetic-reward.js';
export { RM_CACHE_VERSION, rmCacheKey, rmCacheMemberDirs, loadCachedMembers, saveCachedMembers } from './rm-cache.js';
export {
  PreferenceReward,
  buildPreferenceReward,
  preferenceRewardRecipe,
  preferenceRewardKey,
  DEFAULT_PREFERENCE_REWARD,
  type PreferenceRewardOptions,
} from './preference-reward.js';
