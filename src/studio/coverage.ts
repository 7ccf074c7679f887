// Coverage for the labeling queue: stratify the pool into clusters of similar comparisons and serve the clusters in
// proportion to their size, the most informative comparison of a cluster first. Disagreement-first queues lose to
// random pairs on the Studio's pool because they stop buying a kind of comparison the current committee orders
// confidently but a freshly retrained one still needs examples of (issue #13, session 9: BALD bought 13 of 180 labels
// on 'blur' pairs, random 49, and lost 0.148 held-out accuracy on that kind) — the biased-sample failure of
// uncertainty sampling (Dasgupta & Hsu, ICML 2008, "Hierarchical sampling for active learning"). Stratified sampling
// with proportional allocation (Cochran, "Sampling Techniques", 1977, §5.5) keeps the labelled set's share of every
// cluster at the pool's, as a random sample does in expectation; within a stratum the committee still chooses. The
// clustering-for-representativeness idea is that of Nguyen & Smeulders (ICML 2004, "Active learning using
// pre-clustering"); unlike BADGE (Ash et al., arXiv 1906.03671), which seeds k-means++ in a gradient embedding whose
// norm is the model's uncertainty — so confident regions are again rarely picked — the strata here ignore uncertainty.
//
// Notation: points x_1..x_N (one feature vector per comparison), k clusters, centres μ_1..μ_k.
//   k-means++ seeding (Arthur & Vassilvitskii, SODA 2007): μ_1 = a uniformly drawn point; then each next centre is
//     point i with probability D(x_i)² / Σ_j D(x_j)², D(x) = the distance from x to the nearest centre chosen so far;
//   Lloyd's iterations: assign each point to its nearest centre (ties: the lower index), move each centre to the mean
//     of its points (a centre left without points stays), until no assignment changes or `iterations` are done;
//   proportional allocation: n_c points in cluster c, s_c of them already served (labelled or placed earlier in the
//     order), m = Σ_c s_c; the next place goes to the cluster with open points of largest deficit (m + 1)·n_c/N − s_c
//     (ties: the larger cluster, then the lower index) — a sequential largest-remainder apportionment, so every
//     prefix of the order keeps each s_c within one of m·n_c/N while the labelled set started proportional;
//   within a cluster: decreasing score (ties: the lower point index).

/** Squared Euclidean distance. */
export function squaredDistance(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let d = 0; d < x.length; d++) s += (x[d]! - y[d]!) ** 2;
  return s;
}

/** Index of the nearest centre (ties: the lower index) and its squared distance. */
export function nearestCentre(x: Float32Array, centres: readonly Float32Array[]): { index: number; d2: number } {
  let index = 0;
  let d2 = Infinity;
  centres.forEach((c, j) => {
    const d = squaredDistance(x, c);
    if (d < d2) [index, d2] = [j, d];
  });
  return { index, d2 };
}

/**
 * Draws an index with probability weights[i] / Σ weights from one uniform u ∈ [0, 1): the first i whose cumulative
 * weight exceeds u·Σ (zero weights are never drawn). Null when Σ = 0 (every point coincides with a chosen centre).
 */
export function drawProportional(weights: readonly number[], u: number): number | null {
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return null;
  const target = u * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! <= 0) continue;
    acc += weights[i]!;
    last = i;
    if (acc > target) return i;
  }
  return last; // rounding: u·Σ at the very top of the range
}

/** k-means++ seeding: indices of min(k, N) distinct seed points (fewer when fewer points are distinct). */
export function kmeansPlusPlusSeeds(points: readonly Float32Array[], k: number, uniform: () => number): number[] {
  if (points.length === 0 || k < 1) return [];
  const seeds = [Math.min(points.length - 1, Math.floor(uniform() * points.length))];
  const d2 = points.map((x) => squaredDistance(x, points[seeds[0]!]!));
  while (seeds.length < Math.min(k, points.length)) {
    const next = drawProportional(d2, uniform());
    if (next === null) break; // every remaining point coincides with a seed
    seeds.push(next);
    points.forEach((x, i) => (d2[i] = Math.min(d2[i]!, squaredDistance(x, points[next]!))));
  }
  return seeds;
}

/** Lloyd's k-means from k-means++ seeds: each point's cluster (0 … k' − 1, k' ≤ k) and the centres. */
export function kmeans(points: readonly Float32Array[], k: number, uniform: () => number, iterations = 25): { assignment: Int32Array; centres: Float32Array[] } {
  const centres = kmeansPlusPlusSeeds(points, k, uniform).map((i) => Float32Array.from(points[i]!));
  const assignment = new Int32Array(points.length).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    points.forEach((x, i) => {
      const c = nearestCentre(x, centres).index;
      if (c !== assignment[i]) [assignment[i], changed] = [c, true];
    });
    if (!changed) break;
    const sums = centres.map((c) => new Float64Array(c.length));
    const counts = new Int32Array(centres.length);
    points.forEach((x, i) => {
      const c = assignment[i]!;
      counts[c]!++;
      for (let d = 0; d < x.length; d++) sums[c]![d]! += x[d]!;
    });
    centres.forEach((c, j) => {
      if (counts[j]! > 0) for (let d = 0; d < c.length; d++) c[d] = sums[j]![d]! / counts[j]!;
    });
  }
  return { assignment, centres };
}

/**
 * The serving order of the open points (indices into `cluster`): proportional allocation over clusters, counting the
 * points already served (`served[i]` true: labelled), highest `score` first within a cluster.
 */
export function stratifiedOrder(cluster: ArrayLike<number>, served: readonly boolean[], score: ArrayLike<number>): number[] {
  const N = cluster.length;
  const k = Math.max(0, ...Array.from(cluster, (c) => c + 1));
  const size = new Float64Array(k);
  const done = new Float64Array(k);
  const open: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < N; i++) {
    size[cluster[i]!]!++;
    if (served[i]) done[cluster[i]!]!++;
    else open[cluster[i]!]!.push(i);
  }
  for (const o of open) o.sort((a, b) => score[b]! - score[a]! || a - b);
  const next = new Int32Array(k);
  let m = done.reduce((a, b) => a + b, 0);
  const openCount = N - m;
  const order: number[] = [];
  while (order.length < openCount) {
    let best = -1;
    let bestDeficit = -Infinity;
    for (let c = 0; c < k; c++) {
      if (next[c]! >= open[c]!.length) continue;
      const deficit = ((m + 1) * size[c]!) / N - done[c]!;
      if (deficit > bestDeficit + 1e-12 || (Math.abs(deficit - bestDeficit) <= 1e-12 && size[c]! > size[best]!)) [best, bestDeficit] = [c, deficit];
    }
    if (best < 0) break;
    order.push(open[best]![next[best]!++]!);
    done[best]!++;
    m++;
  }
  return order;
}

/** Stratification settings: k clusters, at most `iterations` Lloyd steps. */
export interface CoverageOptions {
  clusters: number;
  iterations: number;
}
/** 8 strata: a batch of 20 labels then reaches every stratum at least twice on a proportional pool. */
export const DEFAULT_COVERAGE: Readonly<CoverageOptions> = Object.freeze({ clusters: 8, iterations: 25 });

/**
 * Priorities (higher first) of the comparisons `ids` with features `features`: the open ones (not `served`) get
 * openCount … 1 in stratifiedOrder's order over a k-means clustering of all of them (served included, so their
 * clusters count as covered); served ones get 0.
 */
export function stratifiedPriorities(ids: readonly number[], features: readonly Float32Array[], served: readonly boolean[], score: ArrayLike<number>, uniform: () => number, o: Readonly<CoverageOptions> = DEFAULT_COVERAGE): { priorities: Map<number, number>; cluster: Int32Array } {
  const { assignment } = kmeans(features, o.clusters, uniform, o.iterations);
  const order = stratifiedOrder(assignment, served, score);
  const priorities = new Map(ids.map((id) => [id, 0]));
  order.forEach((i, pos) => priorities.set(ids[i]!, order.length - pos));
  return { priorities, cluster: assignment };
}
