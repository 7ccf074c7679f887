// TorchScript: the traced tiny reward model (test/fixtures/make_torchscript.py) runs through libtorch and matches
// Python's output; results convert to tensors and nested lists; bad files and misuse give clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  disposeAll,
  fromTypedArray,
  memoryStats,
  noGrad,
  scope,
  TorchError,
  type Tensor,
} from '../../src/torch/index.js';
import { ScriptModule, type ScriptOutput } from '../../src/torch/jit.js';
import { serializeSafetensors } from '../../src/torch/safetensors.js';
import { assertClose } from '../helpers.js';
import { assertNoLeak, fixture, tempDir } from './files.js';

interface RewardFixture {
  input_shape: number[];
  input: number[];
  expected: number[];
  parameters: Record<string, { shape: number[]; sum: number }>;
}

const reward = (): RewardFixture => JSON.parse(readFileSync(fixture('tiny_reward.json'), 'utf8')) as RewardFixture;

test('the traced reward model matches Python PyTorch within 1e-5', () => {
  const ref = reward();
  assertNoLeak(() => {
    using model = ScriptModule.load(fixture('tiny_reward.pt'));
    using x = fromTypedArray(Float32Array.from(ref.input), ref.input_shape);
    const out = noGrad(() => model.forward(x));
    assert.ok(!Array.isArray(out));
    assert.deepEqual(out.shape, [ref.input_shape[0]]);
    assertClose(out.toArray(), ref.expected, 1e-5, 0, 'scores');
    using again = noGrad(() => model.forwardTensor(x));
    assertClose(again.toArray(), ref.expected, 1e-5, 0, 'forwardTensor');
    out.dispose();
  });
});

test('namedParameters gives the traced parameters, and gradients flow back to the input images', () => {
  const ref = reward();
  assertNoLeak(() => {
    using model = ScriptModule.load(fixture('tiny_reward.pt'));
    const params = model.namedParameters();
    assert.deepEqual([...params.keys()], Object.keys(ref.parameters));
    for (const [name, p] of params) {
      assert.deepEqual(p.shape, ref.parameters[name]!.shape, `${name} shape`);
      const sum = scope(() => p.double().sum().item());
      assertClose([sum], [ref.parameters[name]!.sum], 1e-6, 0, `${name} sum`);
    }
    // A differentiable reward (ReFL/DRaFT-style) needs d score / d image through the TorchScript graph.
    using x = fromTypedArray(Float32Array.from(ref.input), ref.input_shape).requiresGrad_();
    using score = model.forwardTensor(x);
    using total = score.sum();
    total.backward();
    using g = x.grad!;
    assert.deepEqual(g.shape, ref.input_shape);
    assert.ok(scope(() => g.abs().sum().item()) > 0, 'non-zero gradient');
    disposeAll(params);
  });
});

test('tuple and nested-tuple results become (nested) arrays of tensors', () => {
  assertNoLeak(() => {
    using m = ScriptModule.load(fixture('tiny_multi.pt'));
    using x = fromTypedArray(Float32Array.from([1, 2]));
    const out = noGrad(() => m.forward(x));
    assert.ok(Array.isArray(out) && out.length === 2);
    const [scaled, sum] = out as Tensor[];
    assert.deepEqual(scaled!.toArray(), [2, -2]);
    assert.equal(sum!.item(), 3);
    const nested = noGrad(() => m.call('nested', [x]));
    const values = (o: ScriptOutput): unknown => (Array.isArray(o) ? o.map(values) : o.toArray());
    assert.deepEqual(values(nested), [
      [2, 3],
      [
        [3, 4],
        [4, 5],
      ],
    ]);
    assert.throws(() => m.forwardTensor(x), /output of .*tiny_multi\.pt must be one tensor, got a list of 2/);
    disposeAll([out, nested]);
  });
});

test('a method returning an int is refused rather than mistaken for a tensor handle', () => {
  using m = ScriptModule.load(fixture('tiny_multi.pt'));
  using x = fromTypedArray(Float32Array.from([1, 2]));
  assert.throws(() => m.call('count', [x]), {
    name: 'TorchError',
    message: /tiny_multi\.pt\.count: output must be a tensor or nested .*, got a result holding non-tensor integers/,
  });
  assert.throws(() => m.call('no_such_method', [x]), /no_such_method/);
});

test('missing, folder, garbage, truncated and torch.save files give clear errors', () => {
  const { dir, cleanup } = tempDir();
  const missing = path.join(dir, 'missing.pt');
  assert.throws(() => ScriptModule.load(missing), {
    name: 'TorchError',
    message: `ScriptModule.load: file must exist, got nothing at ${missing} — check the path`,
  });
  mkdirSync(path.join(dir, 'folder.pt'));
  assert.throws(() => ScriptModule.load(path.join(dir, 'folder.pt')), /path must be a file, got a folder/);
  const garbage = path.join(dir, 'garbage.pt');
  writeFileSync(garbage, Buffer.from('this is not a zip archive at all, just text'));
  const st = path.join(dir, 'weights.safetensors');
  using w = fromTypedArray(Float32Array.of(1));
  writeFileSync(st, serializeSafetensors({ w }));
  const truncated = path.join(dir, 'truncated.pt');
  writeFileSync(truncated, readFileSync(fixture('tiny_reward.pt')).subarray(0, 3000));
  for (const file of [garbage, st, truncated, fixture('state_dict.pt')]) {
    assert.throws(
      () => ScriptModule.load(file),
      (err: unknown) => {
        assert.ok(err instanceof TorchError);
        assert.match(
          err.message,
          /^ScriptModule\.load: .* must be a TorchScript archive .*got one libtorch cannot load/,
        );
        assert.match(err.message, / — re-export it with torch\.jit\.trace\/script \+ torch\.jit\.save/);
        return true;
      },
    );
  }
  cleanup();
});

test('dispose frees the module once; use after dispose is a clear error', () => {
  const modules = memoryStats().liveModules;
  const m = ScriptModule.load(fixture('tiny_reward.pt'));
  assert.equal(memoryStats().liveModules, modules + 1);
  m.dispose();
  m.dispose();
  assert.equal(m.disposed, true);
  assert.equal(memoryStats().liveModules, modules);
  using x = fromTypedArray(new Float32Array(3 * 16 * 16), [1, 3, 16, 16]);
  assert.throws(() => m.forward(x), /ScriptModule: module must be live, got .*tiny_reward\.pt after dispose\(\)/);
  {
    using scoped = ScriptModule.load(fixture('tiny_reward.pt'));
    assert.equal(scoped.disposed, false);
  }
  assert.equal(memoryStats().liveModules, modules);
});
