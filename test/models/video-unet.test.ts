import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { TextToVideoModel, SHAPES_TEXT_TO_VIDEO_CONFIG } from '../../src/models/text-to-video.js';
import { parseVideoUNetConfig, SHAPES_VIDEO_UNET_CONFIG } from '../../src/models/video-unet-config.js';
import { framesToSequences, sequencesToFrames } from '../../src/models/temporal.js';
import { TINY_T2V, maxAbs, maxAbsDiff, perturb, tokens } from './fixtures.js';

torch.setNumThreads(1); // tiny tensors: a second thread only adds synchronisation

test('TextToVideoModel: [B, C, F, H, W] in and out; zero at initialisation', () => {
  torch.manualSeed(0);
  const m = new TextToVideoModel(TINY_T2V);
  torch.scope(() => {
    const y = m.forward(torch.randn([2, 3, 4, 8, 8]), torch.tensor([0.2, 0.9]), tokens([[1, 2], [3]], 4));
    assert.deepEqual(y.shape, [2, 3, 4, 8, 8]);
    assert.equal(maxAbs(y), 0);
    // Fewer frames than the config's maximum are fine.
    assert.deepEqual(
      m.forward(torch.randn([1, 3, 2, 8, 8]), torch.tensor([0.5]), tokens([[1]], 2)).shape,
      [1, 3, 2, 8, 8],
    );
  });
  m.dispose();
});

test('TextToVideoModel: every parameter receives a gradient', () => {
  torch.manualSeed(1);
  const m = new TextToVideoModel(TINY_T2V);
  perturb(m);
  torch.scope(() => {
    m.forward(torch.randn([2, 3, 4, 8, 8]), torch.rand([2]), tokens([[1, 2, 3], [4]], 5))
      .square()
      .mean()
      .backward();
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

test('VideoUNet: frames interact through the temporal layers, and samples in a batch do not', () => {
  torch.manualSeed(2);
  const m = new TextToVideoModel(TINY_T2V);
  perturb(m);
  torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.randn([2, 3, 4, 8, 8]);
      const t = torch.tensor([0.3, 0.6]);
      const ids = tokens(
        [
          [1, 2],
          [5, 6, 7],
        ],
        4,
      );
      const y = m.forward(x, t, ids);
      // Changing frame 3 of sample 0 changes frame 0 of sample 0, not sample 1.
      const x2 = x.clone();
      x2.index(0, torch.slice(), 3).add_(1);
      const y2 = m.forward(x2, t, ids);
      assert.ok(maxAbsDiff(y.index(0, torch.slice(), 0), y2.index(0, torch.slice(), 0)) > 1e-5);
      assert.ok(maxAbsDiff(y.select(0, 1), y2.select(0, 1)) < 1e-6);
      const alone = m.forward(x.narrow(0, 1, 1), t.narrow(0, 1, 1), ids.narrow(0, 1, 1));
      assert.ok(maxAbsDiff(y.narrow(0, 1, 1), alone) < 1e-5);
    }),
  );
  m.dispose();
});

test('framesToSequences / sequencesToFrames are inverse permutations', () => {
  torch.scope(() => {
    const x = torch.randn([6, 5, 3, 2]); // B = 2, F = 3
    const s = framesToSequences(x, 3);
    assert.deepEqual(s.shape, [12, 5, 3]);
    assert.equal(maxAbsDiff(sequencesToFrames(s, 3, 3, 2), x), 0);
    // Sequence (b=1, h=2, w=1), frame 2 is frame 2 of sample 1 at (2, 1).
    assert.equal(
      maxAbsDiff(
        s.select(0, 1 * 6 + 2 * 2 + 1).select(1, 2),
        x
          .select(0, 1 * 3 + 2)
          .select(1, 2)
          .select(1, 1),
      ),
      0,
    );
  });
});

test('VideoUNet config: validation names the field; the Shapes default builds', () => {
  assert.throws(
    () => parseVideoUNetConfig({ ...SHAPES_VIDEO_UNET_CONFIG, temporalKernel: 4 }),
    /field "temporalKernel" must be odd/,
  );
  assert.throws(
    () => parseVideoUNetConfig({ ...SHAPES_VIDEO_UNET_CONFIG, temporalAttentionResolutions: [4] }),
    /field "temporalAttentionResolutions" must hold level resolutions \[32, 16, 8\] only/,
  );
  const m = new TextToVideoModel(SHAPES_TEXT_TO_VIDEO_CONFIG);
  const { total } = m.numParameters();
  assert.ok(total > 1e6 && total < 4e6, `${total} parameters`);
  torch.scope(() => {
    assert.throws(
      () => m.forward(torch.randn([1, 3, 9, 32, 32]), torch.rand([1]), tokens([[1]], 2)),
      /F ≤ frames = 8, got F = 9/,
    );
  });
  m.dispose();
});
