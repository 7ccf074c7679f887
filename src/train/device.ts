// Which device and precision a run may use. The schema (./config.ts) accepts `device: cuda` and `precision: bf16`
// so configs written for a GPU machine parse everywhere; this check refuses them, before anything is loaded or
// written, for the reason that holds today: Refract's tensor layer (src/torch/creation.ts) creates every tensor
// on the CPU — there is no device argument, no model.to(device), no CUDA generator — and it has no autocast. A CUDA
// libtorch links and its ops are reachable through the dispatcher (test/torch/cuda.test.ts moves tensors with
// aten::to.device), but running the loop there needs device placement through the whole tensor layer
// (docs/scaling.md, "GPU").
import { UsageError } from '../config/errors.js';
import type { Backend } from '../torch/distributed/index.js';
import type { RunConfig } from './config.js';

export function checkDevice(config: Pick<Readonly<RunConfig>, 'device' | 'precision'>): void {
  if (config.device === 'cuda') {
    throw new UsageError(
      'refract train: device must be cpu in this version, got cuda — the tensor layer creates every tensor on the CPU ' +
        '(no device placement yet, docs/scaling.md "GPU"); remove `device` or set it to cpu',
    );
  }
  if (config.precision === 'bf16') {
    throw new UsageError(
      'refract train: precision must be fp32 in this version, got bf16 — the tensor layer has no autocast and its ' +
        'ops create float32 tensors, so bf16 weights would meet float32 activations; remove `precision` or set it to fp32',
    );
  }
}

/** The collective backend for a device, as torch.distributed chooses: Gloo on CPU, NCCL on CUDA. */
export function backendFor(device: RunConfig['device']): Backend {
  return device === 'cuda' ? 'nccl' : 'gloo';
}
