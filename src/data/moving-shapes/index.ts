// The moving-shapes video world (DESIGN §4): prompts, gold physics (constant velocity, gravity with bounces),
// a seeded sampler and a renderer. Judged by the gold physics evaluator in src/eval/physics/.
export {
  FRAME_SIZE,
  CLIP_TICKS,
  DEFAULT_FRAMES,
  GRAVITY,
  MOVING_SHAPES,
  MOVING_SIZE_MIN,
  MOVING_SIZE_MAX,
  MOTIONS,
  lawOf,
  frameTime,
  centroidToBottom,
  centroidOffset,
  shapeArea,
  type MovingShape,
  type Motion,
  type Law,
  type MovingObject,
  type ClipSpec,
} from './types.js';
export { simulate, simulateClip, REST_SPEED, type Trajectory, type Collision, type Wall } from './physics.js';
export {
  movingPrompt,
  parseMovingPrompt,
  motionPhrase,
  type MovingPrompt,
  type MovingPromptObject,
} from './grammar.js';
export {
  sampleMovingClip,
  sampleObject,
  DEFAULT_MOVING_SAMPLE,
  type MovingSampleOptions,
  type MovingSample,
} from './sampler.js';
export { renderClip, clipScenes, packFrames } from './render.js';
export { movingTensorBatch, MOVING_VOCABULARY, MOVING_MAX_TOKENS, type MovingTensorBatch } from './batch.js';
