/** Gold evaluation of the shapes world: detection, GenEval-style rules, dense failure maps and ShapesEval. */
export * from './components.js';
export * from './color.js';
export * from './template.js';
export * from './detect.js';
export * from './relation.js';
export * from './gold.js';
export * from './hindsight.js';
export * from './failures.js';
export * from './negatives.js';
export * from './measure.js';
export * from './shapes-eval.js';
export * from './schema.js';
export * from './swap-test.js';
export * from './paired-change.js';
