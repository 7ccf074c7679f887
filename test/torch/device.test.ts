// Devices in the tensor layer (src/torch/device.ts): creation with `device`, toDevice as a copy, and whether CUDA
// can be used here, as libtorch itself answers. On this CPU-only libtorch the CUDA branch checks the refusal; on a
// CUDA machine (scripts/gpu-check.sh) the same tests check placement and the round trip instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

test('creation on the CPU by name, and toDevice returns a copy that never aliases its source', () => {
  torch.scope(() => {
    assert.deepEqual(torch.zeros([2], { device: 'cpu' }).toArray(), [0, 0]);
    assert.deepEqual(torch.ones([2], { device: 'cpu', dtype: 'int64' }).toArray(), [1, 1]);
    assert.deepEqual(torch.full([3], 2.5, { device: 'cpu' }).toArray(), [2.5, 2.5, 2.5]);
    assert.deepEqual(torch.empty([2, 3], { device: 'cpu' }).shape, [2, 3]);
    const x = torch.tensor([1, 2, 3]);
    const y = torch.toDevice(x, 'cpu');
    y.add_(1);
    assert.deepEqual(x.toArray(), [1, 2, 3], 'the source is untouched');
    assert.deepEqual(y.toArray(), [2, 3, 4]);
    assert.equal(y.dtype, 'float32');
    assert.throws(() => torch.zeros([1], { device: 'tpu' as torch.Device }), /tpu|device/i);
  });
});

test('CUDA: placed and read back where libtorch can use it, refused with libtorch\'s reason where it cannot', () => {
  const cuda = torch.cudaAvailability();
  assert.equal(torch.cudaAvailability(), cuda, 'asked once');
  torch.scope(() => {
    if (!cuda.available) {
      assert.ok(cuda.reason.length > 0, 'a reason');
      assert.throws(() => torch.zeros([1], { device: 'cuda' }), torch.TorchError);
      assert.throws(() => torch.toDevice(torch.zeros([1]), 'cuda'), torch.TorchError);
      return;
    }
    assert.equal(cuda.reason, '');
    const onGpu = torch.full([2, 2], 3, { device: 'cuda' }).add(torch.toDevice(torch.ones([2, 2]), 'cuda'));
    assert.deepEqual(torch.toDevice(onGpu, 'cpu').toArray(), [[4, 4], [4, 4]]);
  });
});
