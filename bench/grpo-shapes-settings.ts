// The GRPO sampler and update settings of configs/grpo-shapes.yaml, shared by the benchmarks that time a GRPO
// iteration on the shipped base (bench/e2e-grpo.ts against Python PyTorch, bench/ddp.ts across ranks); each adds
// its own batch size.
export const GRPO_SHAPES_SETTINGS = Object.freeze({
  groupSize: 8,
  sampler: { steps: 10, guidance: 3, noiseLevel: 0.7, sde: 'flow_sde', sdeWindow: [0, 5] },
  trainSteps: 3,
  innerEpochs: 1,
  minibatchSize: 16,
  clipRange: 0.001,
  klCoefficient: 0.01,
  lr: 0.00005,
});
