// torch.distributed for Refract: c10d's stores and process groups (Gloo on CPU, NCCL on CUDA), PyTorch's names,
// plus the bucketed gradient all-reduce of DistributedDataParallel (gradients.ts).
export { Store, TCPStore, FileStore, DEFAULT_TIMEOUT_MS, type TCPStoreOptions } from './store.js';
export {
  ProcessGroup,
  initProcessGroup,
  isInitialized,
  getRank,
  getWorldSize,
  allReduce,
  allGather,
  broadcast,
  barrier,
  destroyProcessGroup,
  availableBackends,
  type Backend,
  type ReduceOp,
  type InitOptions,
  type CollectiveOptions,
} from './process-group.js';
export { allReduceGradients, type GradientBuckets } from './gradients.js';
