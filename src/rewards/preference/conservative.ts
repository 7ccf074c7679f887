/**
 * The conservative reward of an ensemble: r = mean_k r_k − λ·std_k r_k, the reward minus λ times the members'
 * disagreement (population std over the K members). A policy that drifts to images the members were never trained
 * on finds them disagreeing there, so pessimism takes away the gain a single member's error would hand it — the
 * uncertainty-weighted optimisation of Coste et al., "Reward Model Ensembles Help Mitigate Overoptimization"
 * (arXiv 2310.02743, §4: UWO, which subtracts λ·variance) and the mean-minus-std aggregation of Eisenstein et al.,
 * "Helping or Herding?" (arXiv 2312.09244, §3). The std form keeps λ free of the reward's units. λ = 0 is the plain
 * mean (the ensemble's reward without this option).
 */

/** λ must be a finite number ≥ 0; returns it, else throws the one-line user error. */
export function checkPessimism(pessimism: number, where: string): number {
  if (!Number.isFinite(pessimism) || pessimism < 0) {
    throw new Error(`${where}: pessimism must be a finite number ≥ 0, got ${pessimism} — 0 is the plain ensemble mean`);
  }
  return pessimism;
}

/** mean_i − λ·std_i per sample; `mean` and `std` are the ensemble's per-sample mean and member std. */
export function conservativeReward(mean: ArrayLike<number>, std: ArrayLike<number>, pessimism: number): Float32Array {
  if (mean.length !== std.length) {
    throw new Error(`refract conservative reward: mean and std must have the same length, got ${mean.length} and ${std.length}`);
  }
  checkPessimism(pessimism, 'refract conservative reward');
  return Float32Array.from(mean, (m, i) => m - pessimism * std[i]!);
}
