// The engine on a CUDA libtorch (scripts/gpu-check.sh runs this on a GPU machine): tensors are moved to the GPU
// through the dispatcher (aten::to.device — the tensor layer has no device placement of its own yet, see
// src/train/device.ts), the same ops and their gradients run there and must match the CPU, and NCCL — the GPU
// backend — reduces a CUDA tensor. On a CPU-only libtorch (this machine: Debian's 1.13) the tests are skipped and
// say why; on a CUDA build any mismatch fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import * as dist from '../../src/torch/distributed/index.js';
import { aten } from '../../src/torch/ops.js';
import { wrap } from '../../src/torch/tensor.js';
import { dtypeCode } from '../../src/torch/dtype.js';
import { assertClose } from '../helpers.js';

const toDevice = aten('to', 'device');
const to = (t: torch.Tensor, device: 'cpu' | 'cuda'): torch.Tensor => wrap(toDevice(t.id, device, dtypeCode(t.dtype), false, true, null)) // copy: always a new tensor (a new leaf);

function cudaUnavailable(): string | false {
  try {
    torch.scope(() => to(torch.zeros([1]), 'cuda'));
    return false;
  } catch (err) {
    return `no CUDA here: ${(err as Error).message.split('\n')[0]!.slice(0, 160)}`;
  }
}
const skip = cudaUnavailable();

test('CUDA: conv2d, matmul, softmax and their gradients match the CPU', { skip }, () => {
  torch.manualSeed(0);
  torch.scope(() => {
    const x = torch.randn([4, 3, 16, 16]);
    const w = torch.randn([8, 3, 3, 3]).mul(0.1);
    const m = torch.randn([8 * 16 * 16, 10]).mul(0.01);
    const weights = torch.arange(10).float();
    const run = (device: 'cpu' | 'cuda'): number[][] => {
      const xs = to(x, device).requiresGrad_(true);
      const ws = to(w, device).requiresGrad_(true);
      const y = torch.F.conv2d(xs, ws, null, { padding: 1 }).relu().flatten(1).matmul(to(m, device)); // [4, 10]
      y.softmax(1).mul(to(weights, device)).sum().backward();
      return [y, xs.grad!, ws.grad!].map((t) => to(t.detach(), 'cpu').flatten().toArray() as number[]);
    };
    const cpu = run('cpu');
    const gpu = run('cuda');
    cpu.forEach((c, k) => assertClose(gpu[k]!, c, 1e-3, 1e-3, ['output', 'input gradient', 'weight gradient'][k]!));
  });
});

test('CUDA: NCCL all-reduces a CUDA tensor (one rank)', { skip: skip || (!dist.availableBackends().includes('nccl') && 'this build has no NCCL (USE_C10D_NCCL)') }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-nccl-'));
  try {
    const store = new dist.FileStore(path.join(dir, 'store'), 1, 30_000);
    const group = new dist.ProcessGroup({ backend: 'nccl', rank: 0, worldSize: 1, store, timeoutMs: 30_000 });
    torch.scope(() => {
      const t = to(torch.tensor([1, 2, 3]), 'cuda');
      dist.allReduce(t, { group });
      assert.deepEqual(to(t, 'cpu').toArray(), [1, 2, 3]);
    });
    group.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
