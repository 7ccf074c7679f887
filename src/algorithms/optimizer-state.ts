// An optimizer's state dict as part of an AlgorithmState (algorithm.ts): tensors under `<prefix>.<name>`, scalars
// as JSON under `<prefix>`. Shared by the DPO and reward-backprop algorithms.
import type { Tensor } from '../torch/index.js';
import type { AdamW, OptimizerStateDict } from '../torch/optim/index.js';
import type { AlgorithmState } from './algorithm.js';

export function optimizerToState(optimizer: AdamW, prefix = 'optimizer'): AlgorithmState {
  const sd = optimizer.stateDict();
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of sd.tensors) tensors[`${prefix}.${name}`] = t;
  return { tensors, json: { [prefix]: sd.scalars } };
}

export function optimizerFromState(optimizer: AdamW, state: AlgorithmState, where: string, prefix = 'optimizer'): void {
  const scalars = state.json[prefix] as OptimizerStateDict['scalars'] | undefined;
  if (scalars === undefined || typeof scalars !== 'object' || !Array.isArray(scalars.groups)) {
    throw new Error(`refract ${where}: state.json.${prefix} must hold the optimizer's scalars, got ${JSON.stringify(scalars)} — load a state saved by this algorithm`);
  }
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(state.tensors)) {
    if (name.startsWith(`${prefix}.`)) tensors.set(name.slice(prefix.length + 1), t);
  }
  optimizer.loadStateDict({ tensors, scalars });
}
