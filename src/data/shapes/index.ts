/** The shapes world: scenes, renderer, prompt grammar, tokenizer, samplers and held-out combinations. */
export * from './types.js';
export * from './render.js';
export * from './grammar.js';
export * from './vocab.js';
export * from './held-out.js';
export * from './scene-sampler.js';
export * from './dataset.js';
export * from './schema.js';
