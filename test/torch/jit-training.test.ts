// TorchScript modules as trainable networks (issue #15): parameters alias the module's storage (an in-place update
// changes what forward computes), gradients through forward match Python PyTorch's (test/fixtures/
// make_script_generator.py), train/eval reaches the module, a deep copy shares nothing, buffers are listed, the
// module saves to an archive libtorch loads back with the new weights, and forward's signature is readable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fromTypedArray, noGrad, scope, tensor, type Tensor } from '../../src/torch/index.js';
import { ScriptModule } from '../../src/torch/jit.js';
import { assertClose } from '../helpers.js';
import { generatorFixture, type GeneratorFixture } from './generator-fixture.js';
import { assertNoLeak, fixture, tempDir } from './files.js';


function inputs(f: GeneratorFixture): [Tensor, Tensor, Tensor] {
  return [
    fromTypedArray(Float32Array.from(f.x), [2, 3, 8, 8]),
    tensor(f.t),
    tensor(f.tokens, { dtype: 'int64' }).reshape([2, 12]),
  ];
}

test('forward and the gradients of every parameter and of the input match Python PyTorch', () => {
  const f = generatorFixture();
  assertNoLeak(() => {
    using m = ScriptModule.load(fixture('tiny_generator.pt'));
    const params = m.namedParameters();
    assert.deepEqual([...params.keys()], f.parameters);
    for (const p of params.values()) p.requiresGrad_(true);
    scope(() => {
      const [x, t, tok] = inputs(f);
      x.requiresGrad_(true);
      const out = m.forwardTensor(x, t, tok);
      assertClose(out.toArray(), f.output, 1e-5, 1e-5, 'output');
      out.mul(fromTypedArray(Float32Array.from(f.w), [2, 3, 8, 8])).sum().backward();
      for (const [name, p] of params) assertClose(p.grad!.toArray(), f.grads[name]!, 1e-5, 1e-4, `grad ${name}`);
      assertClose(x.grad!.toArray(), f.inputGrad, 1e-5, 1e-4, 'input grad');
    });
    for (const p of params.values()) p.dispose();
  });
});

test('parameters alias the module: an in-place update changes forward; a deep copy keeps the old weights', () => {
  const f = generatorFixture();
  assertNoLeak(() => {
    using m = ScriptModule.load(fixture('tiny_generator.pt'));
    using copy = m.clone();
    scope(() => {
      const [x, t, tok] = inputs(f);
      const before = noGrad(() => m.forwardTensor(x, t, tok)).toArray();
      const params = m.namedParameters();
      noGrad(() => params.get('out.bias')!.add_(0.5)); // what an optimizer step does
      const after = noGrad(() => m.forwardTensor(x, t, tok)).toArray();
      assertClose(after, before.map((v) => v + 0.5), 1e-5, 0, 'module sees the update');
      const fromCopy = noGrad(() => copy.forwardTensor(x, t, tok)).toArray();
      assertClose(fromCopy, before, 1e-6, 0, 'the copy is independent');
      for (const p of params.values()) p.dispose();
    });
  });
});

test('train/eval reaches the module (dropout), buffers are listed, the schema names forward\'s arguments', () => {
  const f = generatorFixture();
  assertNoLeak(() => {
    using m = ScriptModule.load(fixture('tiny_generator.pt'));
    assert.equal(m.training, false, 'loaded in eval mode');
    const buffers = m.namedBuffers();
    assert.deepEqual([...buffers.keys()], ['bias_map']);
    for (const b of buffers.values()) b.dispose();
    scope(() => {
      const [x, t, tok] = inputs(f);
      m.train();
      assert.equal(m.training, true);
      const a = noGrad(() => m.forwardTensor(x, t, tok)).toArray();
      assert.ok(a.some((v, i) => Math.abs(v - f.output[i]!) > 1e-4), 'dropout active in train mode');
      m.eval();
      assertClose(noGrad(() => m.forwardTensor(x, t, tok)).toArray(), f.output, 1e-5, 1e-5, 'eval output');
    });
    assert.deepEqual(m.schema('forward'), {
      arguments: [
        { name: 'x', type: 'Tensor' },
        { name: 't', type: 'Tensor' },
        { name: 'tokens', type: 'Tensor' },
      ],
      returns: ['Tensor'],
    });
    assert.throws(() => m.schema('nope'), /no method 'nope'/);
  });
});

test('save writes an archive that loads back with the updated weights', () => {
  const f = generatorFixture();
  const tmp = tempDir();
  try {
    assertNoLeak(() => {
      using m = ScriptModule.load(fixture('tiny_generator.pt'));
      const file = path.join(tmp.dir, 'saved.pt');
      scope(() => {
        const params = m.namedParameters();
        noGrad(() => params.get('out.bias')!.add_(0.25));
        m.save(file);
        using back = ScriptModule.load(file);
        const [x, t, tok] = inputs(f);
        assertClose(noGrad(() => back.forwardTensor(x, t, tok)).toArray(), f.output.map((v) => v + 0.25), 1e-5, 0, 'reloaded');
        for (const p of params.values()) p.dispose();
      });
    });
  } finally {
    tmp.cleanup();
  }
});
