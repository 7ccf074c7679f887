// torch.nn for Refract: Module bookkeeping, layers, containers, attention and init (PyTorch's names, camelCased).
export { Module, type UnaryModule, type StateDict, type LoadResult } from './module.js';
export { parameter } from './parameter.js';
export { Linear, type LinearOptions } from './linear.js';
export { Conv1d, Conv2d, Conv3d, ConvTranspose2d, type ConvLayerOptions } from './conv.js';
export { GroupNorm, LayerNorm, type GroupNormOptions, type LayerNormOptions } from './norm.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Dropout } from './dropout.js';
export { Identity, ReLU, SiLU, GELU } from './activation.js';
export { Sequential, ModuleList } from './container.js';
export { Attention, type AttentionOptions, type AttentionCallOptions } from './attention.js';
export { TransformerBlock, type TransformerBlockOptions, type TransformerBlockCallOptions } from './transformer.js';
export { AdapterSlot, type OutputAdapter } from './adapter.js';
export { applyLora, matchesTarget, LoraAdapter, LoraAdapters, LORA_CHILD, type LoraLayer, type LoraOptions } from './lora.js';
export * as init from './init.js';
