// torch.optim for Refract: optimizers, gradient clipping, learning-rate schedules and weight EMA.
export {
  Optimizer,
  stateBuffer,
  type GroupHyper,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
  type OptimizerStateDict,
  type JsonValue,
} from './optimizer.js';
export { Adam, type AdamHyper } from './adam.js';
export { AdamW } from './adamw.js';
export { SGD, type SGDHyper } from './sgd.js';
export { clipGradNorm_, type ClipGradNormOptions } from './clip-grad.js';
export { constantSchedule, linearWarmup, warmupCosine, type LrLambda } from './lr-schedules.js';
export { LRScheduler, type HasParamGroups, type LRSchedulerState } from './lr-scheduler.js';
export { EMA, type EMAState, type NamedParams } from './ema.js';
