// Which device and precision a run may use. The schema (./config.ts) accepts `device: cuda` and `precision: bf16`
// so configs written for a GPU machine parse everywhere; this check refuses them (a usage error: exit code 2),
// before anything is loaded or written, for the reason that holds on this machine:
//   - libtorch has no CUDA here (a CPU-only build, or no driver/GPU): it says which, from libtorch's own message;
//   - libtorch has CUDA: the training loop is not placed on it yet. The tensor layer can create (zeros, ones, full,
//     empty take `device`) and move (toDevice) tensors on CUDA (src/torch/device.ts), but models are not moved,
//     the samplers' generators are CPU generators, and there is no autocast (docs/scaling.md, "GPU").
import { cudaAvailability } from '../torch/index.js';
import { UsageError } from '../config/errors.js';
import type { Backend } from '../torch/distributed/index.js';
import type { RunConfig } from './config.js';

export function checkDevice(config: Pick<Readonly<RunConfig>, 'device' | 'precision'>): void {
  if (config.device === 'cuda') {
    const cuda = cudaAvailability();
    if (!cuda.available) {
      throw new UsageError(
        `refract train: device must be cpu on this machine, got cuda — this libtorch cannot use CUDA here (${cuda.reason}); ` +
          'build the addon against a CUDA libtorch on a GPU machine (LIBTORCH, docs/scaling.md "GPU") or remove `device`',
      );
    }
    throw new UsageError(
      'refract train: device must be cpu in this version, got cuda — CUDA is available, but the training loop is not ' +
        'placed on it yet (models and samplers stay on the CPU, docs/scaling.md "GPU"); remove `device` or set it to cpu',
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
