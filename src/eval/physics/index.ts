// Gold evaluator of the moving-shapes world (DESIGN §4, video): object persistence and physical plausibility per
// clip, with per-frame scores for dense credit, and the implausible clips it must reject.
export { detectFrame, type FrameObject, type DetectOptions } from './detect.js';
export { trackObjects, type Track, type Tracking } from './track.js';
export { fitPiecewise, evalSegment, solve, type PiecewiseFit } from './fit.js';
export {
  analyzeMotion,
  DEFAULT_MOTION_TOLERANCES,
  type MotionReport,
  type MotionTolerances,
  type Collision,
} from './motion.js';
export {
  evaluateClip,
  DEFAULT_PHYSICS_EVAL,
  type PhysicsEvalOptions,
  type PhysicsVerdict,
  type ObjectVerdict,
} from './evaluate.js';
export { makeNegative, NEGATIVE_KINDS, type NegativeKind } from './negatives.js';
export {
  evaluateMovingShapesModel,
  DEFAULT_MOVING_EVAL,
  MOVING_EVAL_SEED,
  type MovingEvalOptions,
  type MovingEvalResult,
} from './model-eval.js';
