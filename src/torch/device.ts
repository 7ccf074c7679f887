// Devices (torch.device): where a tensor lives. The tensor layer creates on the CPU unless told otherwise; the
// creation functions that take aten's `Device? device` argument (zeros, ones, full, empty) accept `device`, and
// toDevice moves a tensor (aten::to.device, as Tensor.to(device) in PyTorch). Whether CUDA can be used is asked of
// libtorch itself by moving one element there: a CPU-only build answers "PyTorch is not linked with support for
// cuda devices", a CUDA build on a machine without a GPU names the missing driver.
// What is not here (src/train/device.ts): moving a whole model, CUDA generators, autocast — the training loop
// still runs on the CPU only.
import { aten } from './ops.js';
import { dtypeCode } from './dtype.js';
import { wrap, type Tensor } from './tensor.js';
import { scope } from './memory.js';

/** A torch.device string: 'cpu', 'cuda' (the current GPU) or 'cuda:N'. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

const op = {
  toDevice: aten('to', 'device'),
  empty: aten('empty', 'memory_format'),
};

/** `t` on `device`, in its dtype: always a new tensor (a copy, even on the same device, so it never aliases `t`). */
export function toDevice(t: Tensor, device: Device): Tensor {
  return wrap(op.toDevice(t.id, device, dtypeCode(t.dtype), false, true, null));
}

export interface CudaAvailability {
  readonly available: boolean;
  /** Why not (libtorch's own first line), or '' when available. */
  readonly reason: string;
}

let cached: CudaAvailability | undefined;

/** Whether this libtorch can place a tensor on CUDA here (asked once, then remembered). */
export function cudaAvailability(): CudaAvailability {
  if (cached !== undefined) return cached;
  try {
    scope(() => toDevice(wrap(op.empty([1], dtypeCode('float32'))), 'cuda'));
    cached = { available: true, reason: '' };
  } catch (err) {
    cached = { available: false, reason: firstSentence((err as Error).message) };
  }
  return cached;
}

/** libtorch's message without the op prefix, to its first sentence (≤ 160 characters). */
function firstSentence(message: string): string {
  const line = (message.split('\n')[0] ?? '').replace(/^aten::[\w.]+: /, '');
  const end = line.search(/\. /);
  return (end > 0 ? line.slice(0, end) : line).slice(0, 160);
}
