// Parameters: leaf tensors that require grad and outlive every scope (torch.nn.Parameter). Refract has no
// Parameter subclass — a parameter is a plain Tensor registered on a Module — so this is the one place that
// turns a freshly initialised tensor into one.
import { TorchError } from '../native.js';
import type { Tensor } from '../tensor.js';
import { keep } from '../memory.js';

/**
 * Makes `t` a trainable leaf and keeps it past the enclosing scope(). Takes ownership: when `t` is not a leaf
 * (it came out of a recorded op), it is replaced by a detached copy and disposed.
 */
export function parameter(t: Tensor, requiresGrad = true): Tensor {
  if (t.disposed)
    throw new TorchError('tensor must be live, got a disposed tensor — create the parameter anew', 'nn.parameter');
  let leaf = t;
  if (!t.isLeaf) {
    leaf = t.detach();
    t.dispose();
  }
  leaf.requiresGrad_(requiresGrad);
  return keep(leaf);
}
