// How learnable a comparison is for the reward model, estimated from the labels alone — so the labeling queue can ask
// where the committee disagrees AND a label would teach it something. Disagreement-first queues lose to random pairs
// when part of the pool is a kind the learner cannot learn at labeling budgets: the members fit those pairs with
// confident, different, wrong rules, so they disagree most exactly there (issue #13, session 8; the "collective
// outliers" of active learning, Karamcheti et al., arXiv 2107.02331). RHO-LOSS (Mindermann et al., arXiv 2206.07137)
// selects by reducible loss — the current loss minus what a model trained on held-out data still gets wrong — and so
// skips noisy and unlearnable points. The held-out signal here is the bootstrap ensemble's own out-of-bag predictions
// (Breiman 1996, "Out-of-bag estimation"): member k never saw the labelled pairs outside its resample, so its margin
// on them is a prediction of how well a model trained on the rest generalises there.
//
// Notation: K members, labelled pairs i with margins m_{k,i} = r_k(chosen_i) − r_k(rejected_i); pair features
// z = concat_k |h_k(a) − h_k(b)| from the members' penultimate representations h_k (PreferenceNet.penultimate), which
// do not depend on which image is a and which b.
//   out-of-bag votes   v_i = #{k : i ∉ resample_k},  c_i = Σ_{k ∉} 1[m_{k,i} > 0]  (½ for m = 0);
//   local accuracy     acc(u) = (Σ_{j ∈ N(u)} c_j + α·ā) / (Σ_{j ∈ N(u)} v_j + α),  N(u) the `neighbours` labelled
//                      pairs nearest to u (Euclidean in z) among those with v_j > 0, ā = Σ_j c_j / Σ_j v_j the global
//                      out-of-bag accuracy: the posterior mean under a Beta prior of strength α votes centred on ā
//                      (empirical-Bayes shrinkage, Efron & Morris 1975). A 3-member ensemble gives ≈ 1.1 votes per
//                      labelled pair (each is out of bag with probability (1 − 1/N)^N ≈ e⁻¹ per member), so a
//                      neighbourhood's raw accuracy is noisy, and a top-k order would pick the pairs whose noise is
//                      luckiest (the winner's curse); shrinking lets only consistent evidence move a region;
//   learnability       L(u) = max(0, 2·acc(u) − 1)   (0 at chance, 1 when every out-of-bag vote is right; with label
//                      noise η a learnable region reads ≈ 1 − 2η);
//   score              BALD(u) · max(ε, L(u))        (the floor ε keeps every pair reachable, so exploration never stops).
// Nothing here reads a pair's synthetic kind: only labels, bootstrap resamples, margins and features.

/** Neighbours of the local out-of-bag accuracy, and the floor ε of the learnability factor. */
export interface LearnabilityOptions {
  /** |N(u)|: labelled pairs (with a vote) that estimate a pair's local out-of-bag accuracy. */
  neighbours: number;
  /** α: the Beta prior's strength, in votes, centred on the global out-of-bag accuracy. */
  prior: number;
  /** ε: the least learnability factor. */
  floor: number;
}
export const DEFAULT_LEARNABILITY: Readonly<LearnabilityOptions> = Object.freeze({ neighbours: 15, prior: 10, floor: 0.1 });

/** inBag[k][i]: how often member k's resample drew pair i; pairs `trained` … `trained + heldOut − 1` are labelled but never trained on. */
export function inBagCounts(bootstraps: readonly Int32Array[], trained: number, heldOut = 0): Uint16Array[] {
  return bootstraps.map((boot) => {
    const counts = new Uint16Array(trained + heldOut);
    for (const i of boot) {
      if (!(i >= 0 && i < trained)) throw new Error(`refract studio: bootstrap rows must lie in [0, ${trained}), got ${i} — pass the pairs the ensemble was trained on`);
      counts[i]!++;
    }
    return counts;
  });
}

/** Out-of-bag votes per labelled pair: v_i = #{k : inBag[k][i] = 0}, c_i = Σ over those k of 1[m_{k,i} > 0] (½ at 0). */
export function outOfBagVotes(margins: readonly Float32Array[], inBag: readonly Uint16Array[]): { correct: Float64Array; votes: Float64Array } {
  const n = margins[0]?.length ?? 0;
  const correct = new Float64Array(n);
  const votes = new Float64Array(n);
  margins.forEach((m, k) => {
    for (let i = 0; i < n; i++) {
      if (inBag[k]![i]! > 0) continue;
      votes[i]!++;
      correct[i]! += m[i]! > 0 ? 1 : m[i] === 0 ? 0.5 : 0;
    }
  });
  return { correct, votes };
}

/** z = concat_k |h_k(a) − h_k(b)|, with `features[k]` member k's row-major [items, hidden] representations. */
export function pairFeature(features: readonly Float32Array[], hidden: number, a: number, b: number): Float32Array {
  const z = new Float32Array(features.length * hidden);
  features.forEach((f, k) => {
    for (let d = 0; d < hidden; d++) z[k * hidden + d] = Math.abs(f[a * hidden + d]! - f[b * hidden + d]!);
  });
  return z;
}

const squaredDistance = (x: Float32Array, y: Float32Array): number => {
  let s = 0;
  for (let d = 0; d < x.length; d++) s += (x[d]! - y[d]!) ** 2;
  return s;
};

/** Indices of the `k` refs nearest to `query` (squared Euclidean), nearest first, ties by index. */
export function nearest(query: Float32Array, refs: readonly Float32Array[], k: number): number[] {
  return refs
    .map((r, j) => [squaredDistance(query, r), j] as const)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1])
    .slice(0, k)
    .map(([, j]) => j);
}

/** L = max(0, 2·acc − 1) with acc = (Σ c_j + α·ā) / (Σ v_j + α) over `neighbours`; null when no vote and no prior. */
export function localLearnability(neighbours: readonly number[], correct: Float64Array, votes: Float64Array, prior = 0, priorAccuracy = 0.5): number | null {
  let c = prior * priorAccuracy;
  let v = prior;
  for (const j of neighbours) {
    c += correct[j]!;
    v += votes[j]!;
  }
  return v === 0 ? null : Math.max(0, 2 * (c / v) - 1);
}

/** ā = Σ c_j / Σ v_j over all labelled pairs; null without a vote. */
export function globalAccuracy(correct: Float64Array, votes: Float64Array): number | null {
  const v = votes.reduce((a, b) => a + b, 0);
  return v === 0 ? null : correct.reduce((a, b) => a + b, 0) / v;
}

/**
 * Learnability of each query pair (features `queries`) from the labelled pairs (features `labelled`, votes): the
 * shrunken out-of-bag accuracy of its nearest labelled pairs that hold a vote. With no vote anywhere nothing is known
 * yet and every pair gets 1 (the score is then plain BALD).
 */
export function poolLearnability(queries: readonly Float32Array[], labelled: readonly Float32Array[], correct: Float64Array, votes: Float64Array, o: Readonly<LearnabilityOptions> = DEFAULT_LEARNABILITY): Float64Array {
  const overall = globalAccuracy(correct, votes);
  if (overall === null) return new Float64Array(queries.length).fill(1);
  const voters = labelled.map((_, j) => j).filter((j) => votes[j]! > 0);
  const refs = voters.map((j) => labelled[j]!);
  return Float64Array.from(queries, (q) => localLearnability(nearest(q, refs, o.neighbours).map((r) => voters[r]!), correct, votes, o.prior, overall)!);
}

/** The acquisition score of a pair: BALD · max(ε, L). */
export const learnableInformation = (bald: number, learnability: number, floor = DEFAULT_LEARNABILITY.floor): number => bald * Math.max(floor, learnability);
