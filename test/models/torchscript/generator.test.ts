// The TorchScript generator adapter (issue #15): parameters trainable under the module's state_dict names, the
// velocity it hands the samplers (directly, or converted from an ε-predictor on DDPM timesteps), freezing by name
// pattern, the frozen deep copy, load-time errors naming the config field, and checkpoints (archive + safetensors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as torch from '../../../src/torch/index.js';
import { loadSafetensors } from '../../../src/torch/safetensors.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src/models/checkpoint.js';
import { ScriptGenerator } from '../../../src/models/torchscript/generator.js';
import { assertClose } from '../../helpers.js';
import { assertNoLeak, fixture } from '../../torch/files.js';
import { generatorFixture } from '../../torch/generator-fixture.js';
import { generatorFolder, tinyGenerator } from './fixtures.js';

function fixtureInputs(): { x: torch.Tensor; sigma: torch.Tensor; tokens: torch.Tensor } {
  const f = generatorFixture();
  return {
    x: torch.fromTypedArray(Float32Array.from(f.x), [2, 3, 8, 8]),
    sigma: torch.tensor(f.t),
    tokens: torch.tensor(f.tokens, { dtype: 'int64' }).reshape([2, 12]),
  };
}

test('parameters and buffers carry the module\'s state_dict names; all parameters train; forward is the velocity', () => {
  const f = generatorFixture();
  assertNoLeak(() => {
    using g = tinyGenerator();
    torch.scope(() => {
      assert.deepEqual(new Set(g.stateDict().keys()), new Set(f.stateDict));
      assert.deepEqual(g.namedParameters().map(([n]) => n).sort(), [...f.parameters].sort());
      assert.ok(g.parameters().every((p) => p.requiresGrad));
      assert.deepEqual(g.sampleShape, [3, 8, 8]);
      const { x, sigma, tokens } = fixtureInputs();
      assertClose(torch.noGrad(() => g.forward(x, sigma, tokens)).toArray(), f.output, 1e-5, 1e-5, 'velocity');
    });
  });
});

test('an ε-predictor on DDPM timesteps is converted to the same velocity (σ → ᾱ, x → x/s, ε̂ → v)', () => {
  const f = generatorFixture();
  assertNoLeak(() => {
    using g = tinyGenerator({ prediction: 'epsilon', time: { kind: 'timestep' } }, 'tiny_epsilon.pt');
    torch.scope(() => {
      const { x, sigma, tokens } = fixtureInputs();
      // tiny_epsilon.pt wraps tiny_generator.pt: its ε̂ read back as a velocity must be the wrapped network's v
      assertClose(torch.noGrad(() => g.forward(x, sigma, tokens)).toArray(), f.output, 2e-4, 2e-4, 'velocity via ε');
    });
  });
});

test('train patterns freeze every parameter they do not match; the frozen copy shares nothing', () => {
  assertNoLeak(() => {
    using g = tinyGenerator({ train: ['attn.*'] });
    const trained = g.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.deepEqual(trained.sort(), ['attn.proj.bias', 'attn.proj.weight']);
    using ref = g.frozenCopy();
    assert.ok(ref.parameters().every((p) => !p.requiresGrad));
    torch.scope(() => {
      const { x, sigma, tokens } = fixtureInputs();
      const before = torch.noGrad(() => ref.forward(x, sigma, tokens)).toArray();
      torch.noGrad(() => g.namedParameters().find(([n]) => n === 'out.bias')![1].add_(1));
      assertClose(torch.noGrad(() => ref.forward(x, sigma, tokens)).toArray(), before, 0, 0, 'reference unchanged');
      const moved = torch.noGrad(() => g.forward(x, sigma, tokens)).toArray();
      assertClose(moved, before.map((v) => v + 1), 1e-5, 0, 'policy moved');
    });
  });
});

test('load errors name the config field: signature, sample shape, train patterns, file', () => {
  assert.throws(() => tinyGenerator({}, 'bad_signature.pt'), /field "time" must be passed as a Tensor.*t: float/);
  assert.throws(() => tinyGenerator({ sampleShape: [3, 9, 8] }), /field "sampleShape" must be a shape tiny_generator.pt accepts/);
  assert.throws(() => tinyGenerator({ train: ['decoder.*'] }), /field "train" must be patterns matching some parameter/);
  assert.throws(() => tinyGenerator({ conditioning: { kind: 'embedding', encoder: 'missing.pt' } }), /field "conditioning.encoder" must be a TorchScript file/);
  assert.throws(() => tinyGenerator({}, 'tiny_reward.pt'), /field "file" must be a module whose forward takes \(x, time, condition\)/);
});

test('a checkpoint folder holds the archive with the trained weights and a safetensors state dict of the same names', () => {
  const src = generatorFolder();
  const out = generatorFolder();
  try {
    assertNoLeak(() => {
      const ck = loadCheckpoint(src.dir); // no model.safetensors: the archive's own weights
      assert.equal(ck.kind, 'torchscript-generator');
      const g = ck.model as ScriptGenerator;
      torch.noGrad(() => g.namedParameters().find(([n]) => n === 'out.bias')![1].add_(0.5));
      const dir = path.join(out.dir, 'saved');
      saveCheckpoint(dir, g, { note: 'test' });
      const { tensors } = loadSafetensors(path.join(dir, 'model.safetensors'));
      assert.deepEqual(new Set(tensors.keys()), new Set(generatorFixture().stateDict));
      torch.disposeAll(tensors);
      const back = loadCheckpoint(dir).model as ScriptGenerator;
      torch.scope(() => {
        const { x, sigma, tokens } = fixtureInputs();
        const want = torch.noGrad(() => g.forward(x, sigma, tokens)).toArray();
        assertClose(torch.noGrad(() => back.forward(x, sigma, tokens)).toArray(), want, 1e-6, 0, 'reloaded');
        // the archive alone (what Python's torch.jit.load reads) carries the update too
        using script = torch.ScriptModule.load(path.join(dir, 'generator.pt'));
        assertClose(torch.noGrad(() => script.forwardTensor(x, sigma, tokens)).toArray(), want, 1e-6, 0, 'archive');
      });
      back.dispose();
      g.dispose();
    });
  } finally {
    src.cleanup();
    out.cleanup();
  }
});

test('class conditioning maps the prompt to its class id (the null prompt to nullClass); unknown prompts are refused', () => {
  assertNoLeak(() => {
    using g = tinyGenerator({ conditioning: { kind: 'class', classes: ['a red circle', 'a blue square'], nullClass: 2 } }, 'tiny_class_generator.pt');
    torch.scope(() => {
      const cond = g.encode(g.vocabulary.tokenizeBatch(['a blue square', 'a red circle', '']));
      assert.deepEqual(cond.input.toArray(), [1, 0, 2]);
      assert.deepEqual(g.encodeNull(2, 12).input.toArray(), [2, 2]);
      assert.throws(() => g.encode(g.vocabulary.tokenizeBatch(['a green cross'])), /prompt must be one of conditioning.classes .* got "a green cross"/);
    });
  });
});

test('embedding conditioning runs the frozen encoder module on the tokens; its weights stay out of the state dict', () => {
  const dir = path.dirname(fixture('tiny_encoder.pt'));
  assertNoLeak(() => {
    using g = tinyGenerator({ conditioning: { kind: 'embedding', encoder: 'tiny_encoder.pt' } }, 'tiny_embedding_generator.pt');
    torch.scope(() => {
      using encoder = torch.ScriptModule.load(path.join(dir, 'tiny_encoder.pt'));
      const tokens = g.vocabulary.tokenizeBatch(['a blue square', '']);
      const want = torch.noGrad(() => encoder.forwardTensor(tokens)).toArray();
      const cond = g.encode(tokens);
      assert.deepEqual(cond.input.shape, [2, 3]);
      assertClose(cond.input.toArray(), want, 0, 0, 'embedding');
      assert.ok(g.encoder.parameters().length > 0 && g.encoder.parameters().every((p) => !p.requiresGrad), 'encoder frozen');
      assert.deepEqual([...g.stateDict().keys()].sort(), ['conv.bias', 'conv.weight']);
    });
  });
});
