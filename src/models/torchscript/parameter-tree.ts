// A TorchScript module's parameters and buffers, registered on Refract Modules under the same dotted names, so
// the optimizer, EMA copies, state dicts, checkpoints and safetensors export see them as they see any Refract
// model's (issue #15). The tensors are the module's own (torch.jit named_parameters shares TensorImpls): an
// optimizer's in-place update changes what the TorchScript forward computes, and its backward fills their .grad.
import { Module } from '../../torch/nn/module.js';
import type { Tensor } from '../../torch/index.js';

/** One level of the mirrored hierarchy (a TorchScript submodule); holds no behaviour of its own. */
export class ParameterTree extends Module {}

/** The child of `root` at the dotted path `parts`, created on first use. */
function childAt(root: Module, parts: readonly string[]): Module {
  let m = root;
  for (const part of parts) {
    const found = m.namedChildren().find(([n]) => n === part)?.[1];
    m = found ?? m.registerModule(part, new ParameterTree());
  }
  return m;
}

/** Registers `params` (trainable) and `buffers` (persistent, not trained) on `root` under their qualified names. */
export function registerScriptTensors(root: Module, params: ReadonlyMap<string, Tensor>, buffers: ReadonlyMap<string, Tensor>): void {
  for (const [name, t] of params) {
    const parts = name.split('.');
    childAt(root, parts.slice(0, -1)).registerParameter(parts[parts.length - 1]!, t, true);
  }
  for (const [name, t] of buffers) {
    const parts = name.split('.');
    childAt(root, parts.slice(0, -1)).registerBuffer(parts[parts.length - 1]!, t);
  }
}

/** `*` matches any run of characters (dots included); everything else is literal. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}
