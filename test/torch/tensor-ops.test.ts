// Values of ops: closed forms computed by hand in float64, then PyTorch's own outputs on the same seeded inputs
// (test/fixtures/ops_ref.json, from test/fixtures/make_ops_ref.py — each name here has its twin there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, cat, cdist, disposeAll, einsum, scope, stack, tensor, where, type Tensor } from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';
import { assertMatchesRecord, fromRecord, loadRef } from './ref.js';

const f64 = (data: number[] | number[][]): Tensor => tensor(data, { dtype: 'float64' });
const vals = (t: Tensor): number[] => t.toArray();

test('softmax and logSoftmax of [1, 2, 3] match the closed form', () => {
  scope(() => {
    const x = f64([1, 2, 3]);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertClose(vals(x.softmax(0)), [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z], 1e-15);
    assertClose(vals(x.logSoftmax(0)), [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)], 1e-14);
    assertClose(vals(F.softmax(f64([[1000, 1000]]), 1)), [0.5, 0.5], 1e-15, 0, 'softmax of large logits');
  });
});

test('var and std: correction 0 is the population variance, 1 (default) is Bessel’s', () => {
  scope(() => {
    const x = f64([1, 2, 3, 4]);
    assert.equal(x.var(undefined, { correction: 0 }).item(), 1.25);
    assertClose([x.var().item()], [5 / 3], 1e-15);
    assertClose([x.std().item()], [Math.sqrt(5 / 3)], 1e-15);
    const m = f64([
      [1, 3],
      [2, 6],
    ]);
    assertClose(vals(m.var(1, { correction: 0, keepdim: true })), [1, 4], 1e-15);
    assert.deepEqual(m.var(1, { keepdim: true }).shape, [2, 1]);
    assertClose(vals(m.std(0)), [Math.SQRT1_2, 3 * Math.SQRT1_2], 1e-15);
  });
});

test('reductions: sum, mean, prod, amax, logsumexp (stable), norm, cumsum', () => {
  scope(() => {
    const x = f64([
      [1, -2, 3],
      [4, 5, -6],
    ]);
    assert.equal(x.sum().item(), 5);
    assertClose(vals(x.sum(1, true)), [2, 3]);
    assert.deepEqual(x.sum(1, true).shape, [2, 1]);
    assertClose(vals(x.mean(0)), [2.5, 1.5, -1.5]);
    assert.equal(x.prod().item(), 720);
    assertClose(vals(x.prod(1)), [-6, -120]);
    assertClose(vals(x.amax(1)), [3, 5]);
    assertClose(vals(x.amin([0, 1], true)), [-6]);
    assertClose(vals(f64([1000, 1000]).logsumexp(0)), [1000 + Math.LN2], 1e-12);
    assert.equal(f64([3, 4]).norm().item(), 5);
    assertClose(vals(x.norm(1, 1)), [6, 15]);
    assertClose(vals(x.norm(Infinity)), [6]);
    assertClose(vals(f64([1, 2, 3]).cumsum(0)), [1, 3, 6]);
    const { values, indices } = x.maxDim(1);
    assertClose(vals(values), [3, 5]);
    assert.deepEqual(vals(indices), [2, 1]);
  });
});

test('matmul, einsum, outer and elementwise ops on small known values', () => {
  scope(() => {
    const a = f64([
      [1, 2],
      [3, 4],
    ]);
    const b = f64([
      [5, 6],
      [7, 8],
    ]);
    assertClose(vals(a.matmul(b)), [19, 22, 43, 50]);
    assertClose(vals(einsum('ii->', a)), [5]);
    assertClose(vals(einsum('ij,jk->ik', a, b)), [19, 22, 43, 50]);
    assertClose(vals(f64([1, 2]).outer(f64([3, 4, 5]))), [3, 4, 5, 6, 8, 10]);
    assertClose(vals(f64([1, 4, 9]).sqrt()), [1, 2, 3]);
    assertClose(vals(f64([0]).sigmoid()), [0.5]);
    assertClose(vals(F.gelu(f64([1]))), [0.8413447460685429], 1e-15);
    assertClose(vals(f64([-1, 2]).pow(2)), [1, 4]);
    assertClose(vals(f64([2, 3]).lerp(f64([4, 7]), 0.25)), [2.5, 4]);
    assertClose(
      vals(
        cdist(
          f64([[0, 0]]),
          f64([
            [3, 4],
            [0, 1],
          ]),
        ),
      ),
      [5, 1],
    );
  });
});

test('clamp with a tensor bound and a number bound applies both (min(max(x, lo), hi))', () => {
  scope(() => {
    const x = f64([-5, 0, 5]);
    assertClose(vals(x.clamp(f64([-1, -1, -1]), 1)), [-1, 0, 1]);
    assertClose(vals(x.clamp(-1, f64([2, 2, 2]))), [-1, 0, 2]);
    assertClose(vals(x.clamp(f64([-1, 1, -1]), f64([1, 2, 3]))), [-1, 1, 3]);
    assertClose(vals(x.clamp(null, 1)), [-5, 0, 1]);
  });
});

test('where, cat, stack, sort, topk, maskedFill on known values', () => {
  scope(() => {
    const m = tensor([true, false, true]);
    assertClose(vals(where(m, f64([1, 2, 3]), f64([9, 8, 7]))), [1, 8, 3]);
    assertClose(vals(where(m, f64([1, 2, 3]), 0)), [1, 0, 3]);
    assertClose(vals(cat([f64([1]), f64([2, 3])])), [1, 2, 3]);
    assert.deepEqual(stack([f64([1, 2]), f64([3, 4])], 1).tolist(), [
      [1, 3],
      [2, 4],
    ]);
    const s = f64([3, 1, 2]).sort();
    assert.deepEqual(
      [vals(s.values), vals(s.indices)],
      [
        [1, 2, 3],
        [1, 2, 0],
      ],
    );
    const k = f64([3, 1, 2]).topk(2);
    assert.deepEqual(
      [vals(k.values), vals(k.indices)],
      [
        [3, 2],
        [0, 2],
      ],
    );
    assertClose(vals(f64([1, 2, 3]).maskedFill(m, -1)), [-1, 2, -1]);
  });
});

test('losses: mseLoss, crossEntropy (± label smoothing), binaryCrossEntropyWithLogits closed forms', () => {
  scope(() => {
    assertClose(vals(F.mseLoss(f64([1, 2]), f64([0, 0]))), [2.5]);
    assertClose(vals(F.mseLoss(f64([1, 2]), f64([0, 0]), 'sum')), [5]);
    const target = tensor([0], { dtype: 'int64' });
    assertClose(vals(F.crossEntropy(f64([[0, 0]]), target)), [Math.LN2], 1e-15);
    // Label smoothing ε over C classes: (1 − ε)·(−log p_y) + ε·mean_c(−log p_c).
    const logits = f64([[2, 0, -1]]);
    const logp = vals(logits.logSoftmax(1));
    const eps = 0.1;
    const expected = (1 - eps) * -logp[0]! + (eps / 3) * -(logp[0]! + logp[1]! + logp[2]!);
    assertClose(vals(F.crossEntropy(logits, target, { labelSmoothing: eps })), [expected], 1e-14);
    const x = 0.3;
    const bce = -(0.25 * Math.log(1 / (1 + Math.exp(-x))) + 0.75 * Math.log(1 - 1 / (1 + Math.exp(-x))));
    assertClose(vals(F.binaryCrossEntropyWithLogits(f64([x]), f64([0.25]))), [bce], 1e-15);
  });
});

/** The TS twin of each case in make_ops_ref.py's OPS table. */
type RefFn = (i: Record<string, Tensor>) => Tensor | Tensor[];
const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];

const REF_OPS: Record<string, RefFn> = {
  conv2d: (i) => F.conv2d(i.x!, i.w!, i.b!, { stride: 2, padding: 1, groups: 2 }),
  conv2d_f32: (i) => F.conv2d(i.x!, i.w!, i.b!, { padding: 1 }),
  conv1d: (i) => F.conv1d(i.x!, i.w!, i.b!, { padding: 2, dilation: 2 }),
  conv3d: (i) => F.conv3d(i.x!, i.w!, null, { stride: [1, 2, 1], padding: 1 }),
  conv_transpose2d: (i) => F.convTranspose2d(i.x!, i.w!, i.b!, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
  linear: (i) => F.linear(i.x!, i.w!, i.b!),
  group_norm: (i) => F.groupNorm(i.x!, 3, i.w!, i.b!, 1e-5),
  layer_norm: (i) => F.layerNorm(i.x!, [4, 5], i.w!, i.b!, 1e-5),
  interpolate_bilinear_size: (i) => F.interpolate(i.x!, { size: [7, 5], mode: 'bilinear' }),
  interpolate_bilinear_scale_ac: (i) => F.interpolate(i.x!, { scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
  interpolate_nearest_scale: (i) => F.interpolate(i.x!, { scaleFactor: 2, mode: 'nearest' }),
  interpolate_nearest_size: (i) => F.interpolate(i.x!, { size: [5, 3] }),
  sdpa: (i) => F.scaledDotProductAttention(i.q!, i.k!, i.v!),
  sdpa_bool_mask: (i) => {
    const eye = tensor([0, 1, 2, 3, 4].map((r) => [0, 1, 2, 3, 4, 5].map((c) => r === c)));
    return F.scaledDotProductAttention(i.q!, i.k!, i.v!, { mask: i.mask!.logicalOr(eye) });
  },
  sdpa_additive_mask: (i) => F.scaledDotProductAttention(i.q!, i.k!, i.v!, { mask: i.mask! }),
  sdpa_causal: (i) => F.scaledDotProductAttention(i.q!, i.k!, i.v!, { isCausal: true }),
  einsum_bmm: (i) => einsum('bij,bjk->bik', i.a!, i.b!),
  einsum_attn: (i) => einsum('bhqd,bhkd->bhqk', i.a!, i.b!),
  einsum_trace_outer: (i) => einsum('ii,j->j', i.a!, i.b!),
  logsumexp: (i) => i.x!.mul(10).logsumexp(1, true),
  topk: (i) => pair(i.x!.topk(3, 1)),
  topk_smallest_dim0: (i) => pair(i.x!.topk(2, 0, false)),
  sort_desc: (i) => pair(i.x!.sort(1, true)),
  sort_dim0: (i) => pair(i.x!.sort(0)),
  cumsum: (i) => i.x!.cumsum(1),
  norm_2: (i) => i.x!.norm(),
  norm_1_dim: (i) => i.x!.norm(1, 1),
  norm_3_keepdim: (i) => i.x!.norm(3, [0, 2], true),
  norm_inf: (i) => i.x!.norm(Infinity, 0),
  cross_entropy: (i) => F.crossEntropy(i.x!, i.t!),
  cross_entropy_smooth: (i) => F.crossEntropy(i.x!, i.t!, { labelSmoothing: 0.1 }),
  cross_entropy_none_2d: (i) => F.crossEntropy(i.x!, i.t!, { reduction: 'none' }),
  cross_entropy_ignore_sum: (i) => F.crossEntropy(i.x!, i.t!, { ignoreIndex: 2, reduction: 'sum' }),
  nll_loss: (i) => F.nllLoss(F.logSoftmax(i.x!, 1), i.t!),
  bce_with_logits: (i) => F.binaryCrossEntropyWithLogits(i.x!, i.t!),
  mse_sum: (i) => F.mseLoss(i.x!, i.t!, 'sum'),
  gelu: (i) => F.gelu(i.x!),
  gelu_tanh: (i) => F.gelu(i.x!, 'tanh'),
  softplus_beta2: (i) => F.softplus(i.x!.mul(8), 2, 10),
  log_sigmoid: (i) => F.logSigmoid(i.x!.mul(5)),
  leaky_relu: (i) => F.leakyRelu(i.x!, 0.2),
  silu_erf: (i) => [F.silu(i.x!), i.x!.erf()],
  max_pool2d: (i) => F.maxPool2d(i.x!, 3, 2, 1),
  avg_pool2d: (i) => F.avgPool2d(i.x!, 2),
  adaptive_avg_pool2d: (i) => F.adaptiveAvgPool2d(i.x!, [3, 2]),
  cosine_similarity: (i) => F.cosineSimilarity(i.a!, i.b!, 1),
  var_std: (i) => [
    i.x!.var(1, { correction: 0 }),
    i.x!.var(1, { correction: 1, keepdim: true }),
    i.x!.std([0, 1]),
    i.x!.std(0, { correction: 0 }),
  ],
  cdist: (i) => cdist(i.a!, i.b!),
  softmax_log_softmax: (i) => [i.x!.softmax(0), i.x!.logSoftmax(1)],
  pad_constant: (i) => F.pad(i.x!, [1, 2, 0, 1], 0.5),
  reflection_pad2d: (i) => F.reflectionPad2d(i.x!, [1, 2, 2, 1]),
  pixel_shuffle: (i) => F.pixelShuffle(i.x!, 2),
  unfold: (i) => F.unfold(i.x!, 3, { padding: 1, stride: 2 }),
  embedding: (i) => F.embedding(i.idx!, i.w!),
  matmul_broadcast: (i) => i.a!.matmul(i.b!),
  prod_amax_amin: (i) => [i.x!.prod(1), i.x!.amax(0), i.x!.amin([0, 1])],
  roll_flip_tril: (i) => [i.x!.roll([1, -2], [0, 1]), i.x!.flip(1), i.x!.tril(-1), i.x!.triu(1), i.x!.diag(1)],
};

test('every fixture op has a TS twin and vice versa', () => {
  assert.deepEqual(Object.keys(REF_OPS).sort(), Object.keys(loadRef().ops).sort());
});

for (const [name, fn] of Object.entries(REF_OPS)) {
  test(`matches PyTorch: ${name}`, () => {
    const ref = loadRef().ops[name];
    assert.ok(ref, `ops_ref.json has no case ${name} — rerun test/fixtures/make_ops_ref.py`);
    const inputs = Object.fromEntries(Object.entries(ref.inputs).map(([k, r]) => [k, fromRecord(r)]));
    try {
      scope(() => {
        const r = fn(inputs);
        const outs = Array.isArray(r) ? r : [r];
        assert.equal(outs.length, ref.outputs.length, `${name}: number of outputs`);
        const f32 = ref.outputs[0]!.dtype === 'float32';
        outs.forEach((o, k) =>
          assertMatchesRecord(o, ref.outputs[k]!, `${name}[${k}]`, f32 ? 1e-5 : 1e-10, f32 ? 1e-5 : 1e-9),
        );
      });
    } finally {
      disposeAll(inputs);
    }
  });
}
