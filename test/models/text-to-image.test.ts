import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { TextToImageModel, SHAPES_TEXT_TO_IMAGE_CONFIG } from '../../src/models/text-to-image.js';
import { parseUNetConfig, SHAPES_UNET_CONFIG } from '../../src/models/unet-config.js';
import type { PromptCondition } from '../../src/models/prompt-encoder.js';
import type { VelocityModel } from '../../src/generate/types.js';
import { guidedModel } from '../../src/generate/guidance.js';
import { TINY_T2I, maxAbs, maxAbsDiff, perturb, tokens } from './fixtures.js';

torch.setNumThreads(1); // small tensors: a second thread only adds synchronisation

test('TextToImageModel: prediction has the shape of x; the untrained model predicts exactly 0', () => {
  torch.manualSeed(0);
  const m = new TextToImageModel(TINY_T2I);
  torch.scope(() => {
    const y = m.forward(torch.randn([2, 3, 16, 16]), torch.tensor([0.3, 0.9]), tokens([[1, 2], [3]], 4));
    assert.deepEqual(y.shape, [2, 3, 16, 16]);
    assert.equal(maxAbs(y), 0, 'zero-initialised output conv');
  });
  m.dispose();
});

test('SHAPES config: 32×32 RGB, parameter count in the 1–4 M target', () => {
  torch.manualSeed(0);
  const m = new TextToImageModel();
  const { total } = m.numParameters();
  assert.ok(total >= 1e6 && total <= 4e6, `${total} parameters`);
  torch.noGrad(() =>
    torch.scope(() => {
      const y = m.forward(torch.randn([2, 3, 32, 32]), torch.rand([2]), tokens([[2, 5, 7]], 12).expand(2, 12));
      assert.deepEqual(y.shape, [2, 3, 32, 32]);
    }),
  );
  m.dispose();
});

test('TextToImageModel: the output depends on the prompt (once the output conv is non-zero)', () => {
  torch.manualSeed(3);
  const m = new TextToImageModel(TINY_T2I);
  perturb(m);
  torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.randn([1, 3, 16, 16]);
      const t = torch.tensor([0.5]);
      const a = m.forward(x, t, tokens([[4, 5, 6]], 6));
      const b = m.forward(x, t, tokens([[4, 7, 6]], 6));
      const u = m.forward(x, t, tokens([[]], 6));
      assert.ok(maxAbsDiff(a, b) > 1e-4, `changing one token moved the output by ${maxAbsDiff(a, b)}`);
      assert.ok(maxAbsDiff(a, u) > 1e-4, 'the null prompt differs from a real one');
      const t2 = m.forward(x, torch.tensor([0.51]), tokens([[4, 5, 6]], 6));
      assert.ok(maxAbsDiff(a, t2) > 1e-6, 'the noise level matters too');
    }),
  );
  m.dispose();
});

test('TextToImageModel: extra trailing pad tokens leave the prediction unchanged', () => {
  torch.manualSeed(4);
  const m = new TextToImageModel();
  perturb(m);
  torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.randn([2, 3, 32, 32]);
      const t = torch.tensor([0.2, 0.7]);
      const short = m.forward(
        x,
        t,
        tokens(
          [
            [2, 9, 21],
            [3, 4],
          ],
          3,
        ),
      );
      const long = m.forward(
        x,
        t,
        tokens(
          [
            [2, 9, 21],
            [3, 4],
          ],
          12,
        ),
      );
      assert.ok(maxAbsDiff(short, long) < 1e-5, `difference ${maxAbsDiff(short, long)}`);
    }),
  );
  m.dispose();
});

test('TextToImageModel: a batch of 4 gives each sample the output it gets alone (|Δ| < 1e-5)', () => {
  torch.manualSeed(5);
  const m = new TextToImageModel();
  perturb(m);
  torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.randn([4, 3, 32, 32]);
      const t = torch.tensor([0.1, 0.4, 0.8, 1.0]);
      const cond = m.encode(tokens([[2, 9, 21], [3, 4], [], [7, 8, 9, 10, 11]], 12));
      const batched = m.predict(x, t, cond);
      for (let i = 0; i < 4; i++) {
        const one: PromptCondition = {
          context: cond.context.narrow(0, i, 1),
          mask: cond.mask.narrow(0, i, 1),
          pooled: cond.pooled.narrow(0, i, 1),
        };
        const alone = m.predict(x.narrow(0, i, 1), t.narrow(0, i, 1), one);
        const d = maxAbsDiff(batched.narrow(0, i, 1), alone);
        assert.ok(d < 1e-5, `sample ${i}: |Δ| = ${d}`);
      }
    }),
  );
  m.dispose();
});

test('TextToImageModel: every parameter receives a gradient', () => {
  torch.manualSeed(6);
  const m = new TextToImageModel(TINY_T2I);
  perturb(m);
  torch.scope(() => {
    const y = m.forward(torch.randn([2, 3, 16, 16]), torch.rand([2]), tokens([[1, 2, 3], [4]], 5));
    y.square().mean().backward();
  });
  for (const [name, p] of m.namedParameters()) {
    const g = p.grad;
    assert.ok(g !== null, `${name} has no gradient`);
    const size = torch.scope(() => g.abs().sum().item());
    g.dispose();
    assert.ok(size > 0, `${name} has an all-zero gradient`);
  }
  m.dispose();
});

test('denoiser() is a generate/ VelocityModel<PromptCondition>, and works under classifier-free guidance', () => {
  torch.manualSeed(7);
  const m = new TextToImageModel(TINY_T2I);
  perturb(m);
  torch.noGrad(() =>
    torch.scope(() => {
      const model: VelocityModel<PromptCondition> = m.denoiser();
      const cond = m.encode(tokens([[4, 5], [6]], 4));
      const uncond = m.encodeNull(2, 4);
      const x = torch.randn([2, 3, 16, 16]);
      const t = torch.tensor([0.6, 0.6]);
      const guided = guidedModel(model, { uncond, scale: 3 })(x, t, cond);
      const c = model(x, t, cond);
      const u = model(x, t, uncond);
      const expected = u.add(c.sub(u).mul(3)); // ŷ_u + w·(ŷ_c − ŷ_u)
      assert.ok(maxAbsDiff(guided, expected) < 1e-5);
    }),
  );
  m.dispose();
});

test('TextToImageModel: a forward pass inside scope() leaks no tensors', () => {
  const m = new TextToImageModel(TINY_T2I);
  const before = torch.memoryStats().liveTensors;
  torch.scope(() => {
    const y = m.forward(torch.randn([2, 3, 16, 16]), torch.rand([2]), tokens([[1, 2]], 3).expand(2, 3));
    y.mean().backward();
  });
  m.zeroGrad();
  assert.equal(torch.memoryStats().liveTensors, before);
  m.dispose();
});

test('UNet config: validation names the field and what it must be', () => {
  const c = SHAPES_UNET_CONFIG;
  assert.throws(() => parseUNetConfig({ ...c, groups: 7 }), /field "groups" must divide every level's channels/);
  assert.throws(
    () => parseUNetConfig({ ...c, imageSize: 30 }),
    /field "imageSize" must be divisible by 2\^\(levels-1\) = 4/,
  );
  assert.throws(
    () => parseUNetConfig({ ...c, crossAttentionResolutions: [12] }),
    /field "crossAttentionResolutions" must hold level resolutions \[32, 16, 8\] only/,
  );
  assert.throws(() => parseUNetConfig({ ...c, heads: 3 }), /field "heads" must divide the channels/);
  assert.throws(() => parseUNetConfig({ ...c, dropout: 1 }), /field "dropout"/);
  assert.throws(() => parseUNetConfig({ ...c, channelMult: [] }), /field "channelMult"/);
  assert.throws(
    () => new TextToImageModel({ ...SHAPES_TEXT_TO_IMAGE_CONFIG, unet: { ...c, contextDim: 64 } }),
    /field "unet.contextDim" must equal encoder.dim \(128\)/,
  );
});

test('ConditionalUNet.forward: wrong shapes fail naming the input', () => {
  const m = new TextToImageModel(TINY_T2I);
  torch.scope(() => {
    const cond = m.encode(tokens([[1]], 2));
    assert.throws(
      () => m.predict(torch.randn([1, 4, 16, 16]), torch.rand([1]), cond),
      /x must be \[B, C, H, W\] with C = 3/,
    );
    assert.throws(() => m.predict(torch.randn([1, 3, 15, 16]), torch.rand([1]), cond), /divisible by 2/);
    assert.throws(() => m.predict(torch.randn([1, 3, 16, 16]), torch.rand([2]), cond), /t must be \[B\] = \[1\]/);
  });
  m.dispose();
});
