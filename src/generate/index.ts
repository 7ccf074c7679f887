// generate/: generators as policies — sampler steps with exact per-step log-probs, schedules, training losses,
// guidance, rollouts recorded as Trajectories, and replay of their log-probs under new weights.
export type {
  Denoiser,
  VelocityModel,
  EpsilonModel,
  PredictionType,
  PerSample,
  NoiseSource,
  StepResult,
  PredictionObserver,
} from './types.js';
export { flowPredictedX0, ddimPredictedX0 } from './predicted-x0.js';
export { sdeStepWithLogProb, type SdeStepInput } from './sde-step.js';
export { cpsStepWithLogProb, type CpsStepInput } from './cps-step.js';
export { odeEulerStep, type OdeStepInput } from './ode-step.js';
export { ddimStepWithLogProb, ddimStepMean, epsilonFromPrediction, type DdimStepInput } from './ddim-step.js';
export { stepKl } from './step-kl.js';
export { gaussianLogDensity, meanLogProb, summedLogProb } from './gaussian-log-prob.js';
export {
  perSample,
  meanOverNonBatch,
  sumOverNonBatch,
  drawPerSample,
  standardNormal,
  standardNormalLike,
} from './per-sample.js';
export { flowSigmas, timeShift, sigmaMaxOf, type FlowSigmasOptions } from './flow-schedule.js';
export {
  ddpmBetas,
  alphasCumprod,
  ddimTimesteps,
  ddimSchedule,
  type BetaSchedule,
  type BetaScheduleOptions,
  type TimestepSpacing,
  type DdimScheduleOptions,
  type DdimSchedule,
} from './ddpm-schedule.js';
export { flowMatchingLoss, type FlowMatchingLossOptions, type DenoisingLoss } from './flow-matching-loss.js';
export { ddpmLoss, type DdpmLossOptions } from './ddpm-loss.js';
export { cfg, guidedModel, type GuidedModelOptions } from './guidance.js';
export { defaultConditioningOps, type ConditioningOps } from './conditioning.js';
export {
  sliceTrajectory,
  catTrajectories,
  disposeTrajectory,
  batchSize,
  type Trajectory,
  type SamplerConfig,
  type FlowSamplerConfig,
  type DdimSamplerConfig,
  type FlowSdeKind,
  type StepSchedule,
  type FlowStepSchedule,
  type DdimStepSchedule,
} from './trajectory.js';
export { flowTransition, isFlowStepStochastic } from './flow-transition.js';
export { ddimTransition, isDdimStepStochastic } from './ddim-transition.js';
export { sampleFlow, flowSamplerConfig, type SampleFlowOptions } from './sample-flow.js';
export { sampleDdim, ddimSamplerConfig, type SampleDdimOptions } from './sample-ddim.js';
export { replayLogProbs, type ReplayOptions, type ReplayResult, type StepIndices } from './replay.js';
