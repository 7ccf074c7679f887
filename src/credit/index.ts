// credit/: advantages across samples, reward components, denoising steps, and pixels/frames (DESIGN §1–3).
//
// A typical GRPO step composes them in this order (each a pure function; the trainer only wires them):
//   const sample0 = combineComponents(reward.components, weights, { groupIds });      // GDPO; or groupRelativeAdvantages
//   const sample1 = applyConstraints(sample0, violations, { mode: 'zero' });          // hard constraints
//   const stats = advantageStats(sample1, clipMax);                                   // diagnostics, pre-clip
//   const sample = clipAdvantages(sample1, clipMax);
//   const stepIndices = selectSteps(selection, { numSteps: T, iteration, stochastic: traj.stochastic });
//   const steps = stepAdvantages(sample, stepIndices, weights);                       // [B, K]
//   const adv = makeAdvantages({ sample, steps, stepIndices });                       // what algorithms/ consume
// The matching log-probs are gatherSteps(traj.logProbs, stepIndices). Dense maps: denseAdvantages + alignDense,
// applied with weightedGaussianLogProb (see dense.ts).
export type { GroupIds, VectorLike } from './stats.js';
export * from './group-relative.js';
export * from './stat-tracker.js';
export * from './components.js';
export * from './constraints.js';
export * from './step-selection.js';
export * from './step-advantages.js';
export * from './dense.js';
export * from './advantages.js';
