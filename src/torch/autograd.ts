// Grad-mode scopes and autograd entry points (torch.no_grad, torch.autograd.grad).
import { native } from './native.js';
import { Tensor, wrap } from './tensor.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` without recording autograd history; restores the previous mode even if `fn` throws. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

export function setGradEnabled(enabled: boolean): boolean {
  return native.setGradEnabled(enabled);
}

/** torch.autograd.backward over several outputs. */
export function backward(
  outputs: Tensor[],
  grads?: (Tensor | null)[],
  opts: { retainGraph?: boolean; createGraph?: boolean } = {},
): void {
  native.backward(
    outputs.map((t) => t.id),
    outputs.map((_, i) => grads?.[i]?.id ?? null),
    opts.retainGraph,
    opts.createGraph ?? false,
  );
}

/** torch.autograd.grad: gradients of `outputs` w.r.t. `inputs` without touching `.grad`. */
export function grad(
  outputs: Tensor[],
  inputs: Tensor[],
  opts: { gradOutputs?: (Tensor | null)[]; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const res = native.autogradGrad(
    outputs.map((t) => t.id),
    inputs.map((t) => t.id),
    outputs.map((_, i) => opts.gradOutputs?.[i]?.id ?? null),
    opts.retainGraph,
    opts.createGraph ?? false,
    opts.allowUnused ?? false,
  );
  return res.map((id) => (id === null ? null : wrap(id)));
}
