// The `bald-learnable` acquisition (./active.ts): BALD · max(ε, learnability) on every comparison of the pool, with the
// learnability read from the ensemble's out-of-bag votes on the labelled pairs (./learnability.ts for the formulas).
// This file gathers the evidence from a trained ensemble (margins, bootstrap membership, pair features) and combines it;
// the math it applies is tested in learnability.ts's terms.
import type { RewardEnsemble } from '../rewards/preference/ensemble.js';
import type { PreferencePair } from '../rewards/preference/pairs.js';
import { memberFeatures, memberScores, pairMutualInformation, setPairs } from './active.js';
import { DEFAULT_LEARNABILITY, type LearnabilityOptions, inBagCounts, learnableInformation, outOfBagVotes, pairFeature, poolLearnability } from './learnability.js';

/**
 * The labels an ensemble learned from: `trainedOn` in the order it was trained on (the rows its bootstraps index), and
 * labelled pairs it never trained on (`heldOut`, out of bag for every member).
 */
export interface LabelledPairs {
  trainedOn: readonly PreferencePair[];
  heldOut: readonly PreferencePair[];
}

/** Out-of-bag votes and pair features of the labelled pairs (trainedOn first, then heldOut). */
export interface LabelledEvidence {
  correct: Float64Array;
  votes: Float64Array;
  features: Float32Array[];
}

export function labelledEvidence(ensemble: RewardEnsemble, labelled: LabelledPairs): LabelledEvidence {
  const boots = ensemble.bootstraps;
  if (boots === null || boots.some((b) => b.length !== labelled.trainedOn.length)) {
    throw new Error(
      `refract studio: acquisition bald-learnable must get the ensemble's own training pairs, got ${labelled.trainedOn.length} pairs for resamples of ${boots === null ? 'none (a loaded ensemble)' : boots[0]!.length} — train the ensemble with RewardEnsemble.train and pass its pairs`,
    );
  }
  const pairs = [...labelled.trainedOn, ...labelled.heldOut];
  const n = pairs.length;
  const images = [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)];
  const prompts = [...pairs, ...pairs].map((p) => p.prompt.text);
  const scores = memberScores(ensemble, images, prompts);
  const { features, hidden } = memberFeatures(ensemble, images, prompts);
  const margins = scores.map((s) => Float32Array.from({ length: n }, (_, i) => s[i]! - s[n + i]!));
  const { correct, votes } = outOfBagVotes(margins, inBagCounts(boots, labelled.trainedOn.length, labelled.heldOut.length));
  return { correct, votes, features: pairs.map((_, i) => pairFeature(features, hidden, i, n + i)) };
}

/** Pool comparisons as item indices (2 or 4), the members' scores and penultimate features of those items. */
export interface PoolEvidence {
  sets: readonly (readonly number[])[];
  scores: readonly Float32Array[];
  features: readonly Float32Array[];
  hidden: number;
}

/**
 * Score of each comparison: the mean over its pairs (i, j) of BALD(i, j) · max(ε, L(i, j)) (one pair for pairwise,
 * six for best-of-4, as setDisagreement averages), and the mean learnability L over those pairs (for reports).
 */
export function learnableBald(pool: PoolEvidence, evidence: LabelledEvidence, o: Readonly<LearnabilityOptions> = DEFAULT_LEARNABILITY): { score: Float64Array; learnability: Float64Array } {
  const pairs: [number, number, number][] = pool.sets.flatMap((items, s) => setPairs(items).map(([i, j]) => [s, i, j] as [number, number, number])); // [set, i, j]
  const queries = pairs.map(([, i, j]) => pairFeature(pool.features, pool.hidden, i, j));
  const L = poolLearnability(queries, evidence.features, evidence.correct, evidence.votes, o);
  const score = new Float64Array(pool.sets.length);
  const learnability = new Float64Array(pool.sets.length);
  const count = new Float64Array(pool.sets.length);
  pairs.forEach(([s, i, j], q) => {
    score[s]! += learnableInformation(pairMutualInformation(pool.scores, i, j), L[q]!, o.floor);
    learnability[s]! += L[q]!;
    count[s]!++;
  });
  for (let s = 0; s < score.length; s++) {
    score[s]! /= Math.max(1, count[s]!);
    learnability[s]! /= Math.max(1, count[s]!);
  }
  return { score, learnability };
}
