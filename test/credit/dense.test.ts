// Credit across pixels and frames, the weighted per-element mean, the Advantages bundle and its diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';
import { meanLogProb } from '../../src/generate/gaussian-log-prob.js';
import {
  advantageStats,
  denseAdvantages,
  makeAdvantages,
  weightedElementMean,
  weightedGaussianLogProb,
  alignDense,
  denseMapTensor,
  applyConstraints,
  gatherSteps,
  processRewardAdvantages,
} from '../../src/credit/index.js';

torch.setNumThreads(1);
const f64 = { dtype: 'float64' } as const;

test("denseAdvantages 'group': each pixel against the same pixel of its group, mixed with A_i", () => {
  const a = torch.tensor([1, -1], f64);
  const dense = torch.tensor([[[0, 2]], [[2, 2]]], f64); // [B=2, H=1, W=2]
  // pixel 0: [0, 2] → [−1, 1]; pixel 1: [2, 2] → [0, 0]. mix 0.5: 0.5·A_i + 0.5·Ĝ.
  const out = denseAdvantages(a, dense, { normalize: 'group', mix: 0.5, groupIds: ['g', 'g'], eps: 1e-12 });
  assert.deepEqual(out.shape, [2, 1, 2]);
  assertClose(out.toArray(), [0, 0.5, 0, -0.5], 1e-9);
  // mix 0: A_i broadcast over the map.
  assertClose(denseAdvantages(a, dense, { normalize: 'group', mix: 0, groupIds: [0, 0] }).toArray(), [1, 1, -1, -1], 0);
  assert.throws(
    () => denseAdvantages(a, dense, { normalize: 'group', mix: 0.5 }),
    /groupIds must be given for normalize 'group'/,
  );
  assert.throws(
    () => denseAdvantages(a, dense, { normalize: 'group', mix: 2, groupIds: [0, 0] }),
    /mix must be in \[0, 1\], got 2/,
  );
});

test("denseAdvantages 'sample': a per-frame map normalised within its own sample", () => {
  const a = torch.tensor([3, 0], f64);
  const frames = torch.tensor(
    [
      [0, 2],
      [2, 2],
    ],
    f64,
  ); // [B=2, F=2]
  // sample 0 [0, 2] → [−1, 1]; sample 1 [2, 2] → [0, 0]. mix 1: the dense term alone.
  assertClose(denseAdvantages(a, frames, { normalize: 'sample', mix: 1, eps: 1e-12 }).toArray(), [-1, 1, 0, 0], 1e-9);
  assert.throws(
    () => denseAdvantages(a, torch.tensor([1, 2]), { normalize: 'sample', mix: 1 }),
    /dense must have shape \[B, \.\.\.\]/,
  );
});

test('weightedElementMean: mean_e(w·x), or Σ w·x / Σ w; weights broadcast over trailing dims', () => {
  const x = torch.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    f64,
  );
  const w = torch.tensor(
    [
      [1, 0],
      [2, 2],
    ],
    f64,
  );
  assertClose(weightedElementMean(x, w).toArray(), [0.5, 7], 0); // [(1+0)/2, (6+8)/2]
  assertClose(weightedElementMean(x, w, { normalize: 'weights' }).toArray(), [1, 3.5], 0); // [1/1, 14/4]
  // latent [1, 2, 2] (C=2 rows) with a per-row map [1, 2] → [1, 2, 1]: (1·1 + 2·1 + 3·0 + 4·0)/4 = 0.75.
  const lat = torch.tensor(
    [
      [
        [1, 2],
        [3, 4],
      ],
    ],
    f64,
  );
  assertClose(weightedElementMean(lat, torch.tensor([[1, 0]], f64)).toArray(), [0.75], 0);
  assert.throws(
    () =>
      weightedElementMean(
        x,
        torch.tensor([
          [0, 0],
          [1, 1],
        ]),
        { normalize: 'weights' },
      ),
    /weights must sum to > 0/,
  );
  assert.throws(
    () => weightedElementMean(x, torch.ones([3, 2])),
    /weights must have shape \[B, \.\.\.\] broadcastable to \[2, 2\]/,
  );
});

test('weightedGaussianLogProb: constant weight A_i gives A_i · logProb of generate/', () => {
  const value = torch.tensor(
    [
      [0.5, -1, 2, 0],
      [1, 1, 1, 1],
    ],
    f64,
  );
  const mean = torch.tensor(
    [
      [0, 0, 1, 0],
      [1, 0.5, 1, 2],
    ],
    f64,
  );
  const std = torch.full([2, 4], 0.5, f64);
  const lp = meanLogProb(value, mean, std).toArray();
  const w = torch.tensor(
    [
      [2, 2, 2, 2],
      [-3, -3, -3, -3],
    ],
    f64,
  );
  assertClose(weightedGaussianLogProb(value, mean, std, w).toArray(), [2 * lp[0]!, -3 * lp[1]!], 1e-12);
  // At value = mean each element is −log 0.5 − log √(2π); weights [1, 0, 0, 0] keep a quarter of it.
  const at = weightedGaussianLogProb(
    mean,
    mean,
    std,
    torch.tensor(
      [
        [1, 0, 0, 0],
        [1, 0, 0, 0],
      ],
      f64,
    ),
  ).toArray();
  const e = -Math.log(0.5) - 0.5 * Math.log(2 * Math.PI);
  assertClose(at, [e / 4, e / 4], 1e-12);
});

test('makeAdvantages checks shapes; advantageStats reports mean, std, min, max, fraction clipped', () => {
  const sample = torch.tensor([-3, -1, 1, 3], f64);
  const steps = torch.zeros([4, 2], f64);
  assert.equal(makeAdvantages({ sample, steps, stepIndices: [0, 5] }).sample, sample);
  assert.throws(
    () => makeAdvantages({ sample, steps, stepIndices: [0] }),
    /steps must have shape \[B=4, K=1\] matching stepIndices, got \[4, 2\]/,
  );
  assert.throws(
    () => makeAdvantages({ sample, dense: torch.zeros([3, 2]) }),
    /dense must have shape \[B=4, \.\.\.\], got \[3, 2\]/,
  );
  const s = advantageStats(sample, 2);
  assert.deepEqual(s, { mean: 0, std: Math.sqrt(5), min: -3, max: 3, fractionClipped: 0.5, count: 4 });
  assert.equal(advantageStats(sample).fractionClipped, 0);
});

test('denseMapTensor reads a RewardResult dense map', () => {
  const m = denseMapTensor({ layout: 'frame', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  assert.deepEqual(m.shape, [2, 3]);
  assertClose(m.toArray(), [1, 2, 3, 4, 5, 6], 0);
});

test('alignDense: [B, H, W] → [B, 1, H, W]; [B, F] → [B, 1, F, 1, 1]; a wrong size is refused', () => {
  assert.deepEqual(alignDense(torch.zeros([2, 4, 4]), torch.zeros([2, 3, 4, 4])).shape, [2, 1, 4, 4]);
  assert.deepEqual(alignDense(torch.zeros([2, 8]), torch.zeros([2, 3, 8, 4, 4])).shape, [2, 1, 8, 1, 1]);
  assert.throws(
    () => alignDense(torch.zeros([2, 5, 5]), torch.zeros([2, 3, 4, 4])),
    /resize the map to the latent resolution/,
  );
  // Per-pixel advantages of [B, H, W] weight every channel of that pixel: channels [1, 3] and [2, 4], w [1, 0].
  const lat = torch.tensor([[[[1, 2]], [[3, 4]]]], f64); // [1, C=2, H=1, W=2]
  const w = alignDense(torch.tensor([[[1, 0]]], f64), lat);
  assertClose(weightedElementMean(lat, w).toArray(), [(1 + 3) / 4], 0);
});

test('credit functions free their intermediates (only the results stay alive)', () => {
  const a = torch.tensor([1, -1, 2, 0], f64);
  const d = torch.rand([4, 3, 3], { dtype: 'float64' });
  const r = torch.rand([4, 5], { dtype: 'float64' });
  const [m, s, v] = [d.mul(0.5), d.add(1), torch.tensor([0, 1, 0, 1], f64)];
  const before = torch.memoryStats().liveTensors;
  const results = [
    denseAdvantages(a, d, { normalize: 'group', mix: 0.3, groupIds: [0, 0, 1, 1] }),
    denseAdvantages(a, d, { normalize: 'sample', mix: 0.3 }),
    weightedElementMean(d, d, { normalize: 'weights' }),
    weightedGaussianLogProb(d, m, s, d),
    processRewardAdvantages(r, { groupIds: [0, 0, 1, 1], steps: [1, 3] }),
    gatherSteps(r, [0, 4]),
    applyConstraints(a, v, { mode: 'negate' }),
  ];
  assert.equal(torch.memoryStats().liveTensors, before + results.length);
  torch.disposeAll(results);
});
