// The torch namespace of Refract: PyTorch's API, camelCased, on libtorch.
export { TorchError } from './native.js';
export type { DType, AnyTypedArray } from './dtype.js';
export { isFloatingPoint, elementSize } from './dtype.js';
export { Tensor, slice, type IndexSpec, type Slice, type NestedArray, type TensorOrScalar } from './tensor.js';
export * from './creation.js';
export { toDevice, cudaAvailability, type Device, type CudaAvailability } from './device.js';
export * from './autograd.js';
export * from './runtime.js';
export { scope, keep, disposeAll } from './memory.js';
export * as F from './functional.js';
export * from './safetensors.js';
export { ScriptModule, setJitOptimize, type ScriptOutput, type MethodSchema } from './jit.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
