// Gradient checks (float64 central differences vs autograd) for torch.nn.functional as src/torch/functional.ts
// binds it, plus a self-test that the checker rejects a wrong gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/torch/index.js';
import { gradcheck, Inputs } from '../gradcheck.js';
import { gradCase as c, i64, mask, runGradTable, type GradCase } from './gradcase.js';

const layers: GradCase[] = [
  c(
    'linear',
    (r) => [r.randn([3, 4]), r.randn([2, 4]), r.randn([2])],
    (x, w, b) => F.linear(x!, w!, b!),
  ),
  c(
    'linear (no bias, 3-D input)',
    (r) => [r.randn([2, 2, 3]), r.randn([2, 3])],
    (x, w) => F.linear(x!, w!),
  ),
  c(
    'conv1d (padding, dilation)',
    (r) => [r.randn([2, 2, 7]), r.randn([3, 2, 3]), r.randn([3])],
    (x, w, b) => F.conv1d(x!, w!, b!, { padding: 2, dilation: 2 }),
  ),
  c(
    'conv2d (stride 2, padding 1)',
    (r) => [r.randn([1, 2, 5, 4]), r.randn([2, 2, 3, 3]), r.randn([2])],
    (x, w, b) => F.conv2d(x!, w!, b!, { stride: 2, padding: 1 }),
  ),
  c(
    'conv2d (groups 2, asymmetric stride/padding)',
    (r) => [r.randn([1, 4, 4, 5]), r.randn([4, 2, 2, 3])],
    (x, w) => F.conv2d(x!, w!, null, { groups: 2, stride: [1, 2], padding: [1, 0] }),
  ),
  c(
    'conv3d (stride, padding, groups)',
    (r) => [r.randn([1, 2, 3, 4, 3]), r.randn([2, 1, 2, 2, 2]), r.randn([2])],
    (x, w, b) => F.conv3d(x!, w!, b!, { stride: [1, 2, 1], padding: 1, groups: 2 }),
  ),
  c(
    'convTranspose2d (stride 2, padding, outputPadding)',
    (r) => [r.randn([1, 2, 3, 3]), r.randn([2, 2, 3, 3]), r.randn([2])],
    (x, w, b) => F.convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1 }),
  ),
  c(
    'convTranspose2d (groups 2)',
    (r) => [r.randn([1, 4, 2, 3]), r.randn([4, 1, 2, 2])],
    (x, w) => F.convTranspose2d(x!, w!, null, { groups: 2 }),
  ),
  c(
    'interpolate (nearest, scale 2)',
    (r) => [r.randn([1, 2, 2, 3])],
    (x) => F.interpolate(x!, { scaleFactor: 2 }),
  ),
  c(
    'interpolate (nearest, size)',
    (r) => [r.randn([1, 1, 4, 5])],
    (x) => F.interpolate(x!, { size: [3, 7] }),
  ),
  c(
    'interpolate (bilinear, size)',
    (r) => [r.randn([1, 2, 3, 3])],
    (x) => F.interpolate(x!, { size: [5, 4], mode: 'bilinear' }),
  ),
  c(
    'interpolate (bilinear, alignCorners)',
    (r) => [r.randn([1, 1, 3, 4])],
    (x) => F.interpolate(x!, { scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
  ),
  c(
    'maxPool2d (kernel 3, stride 2, padding 1)',
    (r) => [r.distinct([1, 2, 5, 5])],
    (x) => F.maxPool2d(x!, 3, 2, 1),
  ),
  c(
    'maxPool2d (kernel 2)',
    (r) => [r.distinct([1, 1, 4, 6])],
    (x) => F.maxPool2d(x!, 2),
  ),
  c(
    'avgPool2d (kernel 2)',
    (r) => [r.randn([1, 2, 4, 4])],
    (x) => F.avgPool2d(x!, 2),
  ),
  c(
    'avgPool2d (kernel 3, stride 2, padding 1)',
    (r) => [r.randn([1, 1, 5, 5])],
    (x) => F.avgPool2d(x!, 3, 2, 1),
  ),
  c(
    'adaptiveAvgPool2d (7×5 → 3×2)',
    (r) => [r.randn([1, 2, 7, 5])],
    (x) => F.adaptiveAvgPool2d(x!, [3, 2]),
  ),
  c(
    'groupNorm (affine)',
    (r) => [r.randn([2, 4, 3, 2]), r.randn([4]), r.randn([4])],
    (x, w, b) => F.groupNorm(x!, 2, w!, b!),
  ),
  c(
    'groupNorm (no affine)',
    (r) => [r.randn([1, 6, 5])],
    (x) => F.groupNorm(x!, 3),
  ),
  c(
    'layerNorm (affine)',
    (r) => [r.randn([3, 2, 4]), r.randn([2, 4]), r.randn([2, 4])],
    (x, w, b) => F.layerNorm(x!, [2, 4], w!, b!),
  ),
  c(
    'layerNorm (no affine)',
    (r) => [r.randn([3, 5])],
    (x) => F.layerNorm(x!, [5]),
  ),
  c(
    'embedding (grad wrt weight, repeated ids)',
    (r) => [
      i64([
        [0, 2, 2],
        [4, 0, 1],
      ]),
      r.randn([5, 3]),
    ],
    (idx, w) => F.embedding(idx!, w!),
  ),
  c(
    'pad (constant, value)',
    (r) => [r.randn([1, 2, 3])],
    (x) => F.pad(x!, [1, 2, 0, 1], 0.5),
  ),
  c(
    'pad (negative crops)',
    (r) => [r.randn([2, 5])],
    (x) => F.pad(x!, [-1, 2]),
  ),
  c(
    'reflectionPad2d',
    (r) => [r.randn([1, 1, 3, 4])],
    (x) => F.reflectionPad2d(x!, [1, 2, 2, 1]),
  ),
  c(
    'pixelShuffle',
    (r) => [r.randn([1, 4, 2, 3])],
    (x) => F.pixelShuffle(x!, 2),
  ),
  c(
    'unfold',
    (r) => [r.randn([1, 2, 4, 4])],
    (x) => F.unfold(x!, 3, { padding: 1, stride: 2 }),
  ),
  c(
    'dropout (eval is identity)',
    (r) => [r.randn([4])],
    (x) => F.dropout(x!, 0.5, false),
  ),
  c(
    'cosineSimilarity',
    (r) => [r.randn([3, 4]), r.randn([3, 4])],
    (a, b) => F.cosineSimilarity(a!, b!),
  ),
  c(
    'cosineSimilarity (dim 0, broadcast)',
    (r) => [r.randn([4, 2]), r.randn([4, 1])],
    (a, b) => F.cosineSimilarity(a!, b!, 0),
  ),
];

const attention: GradCase[] = [
  c(
    'scaledDotProductAttention (no mask)',
    (r) => [r.randn([1, 2, 3, 4]), r.randn([1, 2, 4, 4]), r.randn([1, 2, 4, 2])],
    (q, k, v) => F.scaledDotProductAttention(q!, k!, v!),
  ),
  c(
    'scaledDotProductAttention (bool mask)',
    (r) => [
      r.randn([2, 3, 4]),
      r.randn([2, 4, 4]),
      r.randn([2, 4, 2]),
      mask([
        [true, false, true, false],
        [true, true, false, false],
        [false, false, true, true],
      ]),
    ],
    (q, k, v, m) => F.scaledDotProductAttention(q!, k!, v!, { mask: m! }),
  ),
  c(
    'scaledDotProductAttention (additive mask, grad wrt mask)',
    (r) => [r.randn([2, 3, 2]), r.randn([2, 3, 2]), r.randn([2, 3, 2]), r.randn([3, 3])],
    (q, k, v, m) => F.scaledDotProductAttention(q!, k!, v!, { mask: m! }),
  ),
  c(
    'scaledDotProductAttention (causal)',
    (r) => [r.randn([1, 4, 3]), r.randn([1, 4, 3]), r.randn([1, 4, 2])],
    (q, k, v) => F.scaledDotProductAttention(q!, k!, v!, { isCausal: true }),
  ),
];

const activations: GradCase[] = [
  c(
    'relu (away from 0)',
    (r) => [r.awayFromZero([6])],
    (x) => F.relu(x!),
  ),
  c(
    'silu',
    (r) => [r.randn([6], 2)],
    (x) => F.silu(x!),
  ),
  c(
    'sigmoid',
    (r) => [r.randn([6], 2)],
    (x) => F.sigmoid(x!),
  ),
  c(
    'tanh',
    (r) => [r.randn([6])],
    (x) => F.tanh(x!),
  ),
  c(
    'gelu (exact)',
    (r) => [r.randn([6], 2)],
    (x) => F.gelu(x!),
  ),
  c(
    'gelu (tanh)',
    (r) => [r.randn([6], 2)],
    (x) => F.gelu(x!, 'tanh'),
  ),
  c(
    'softplus',
    (r) => [r.randn([6], 2)],
    (x) => F.softplus(x!),
  ),
  c(
    'softplus (beta 2, threshold 3: both branches)',
    (r) => [r.uniform([8], -4, 4)],
    (x) => F.softplus(x!, 2, 3),
  ),
  c(
    'logSigmoid',
    (r) => [r.randn([6], 3)],
    (x) => F.logSigmoid(x!),
  ),
  c(
    'leakyRelu (away from 0)',
    (r) => [r.awayFromZero([6])],
    (x) => F.leakyRelu(x!, 0.2),
  ),
  c(
    'softmax',
    (r) => [r.randn([2, 5])],
    (x) => F.softmax(x!, 1),
  ),
  c(
    'logSoftmax',
    (r) => [r.randn([2, 5])],
    (x) => F.logSoftmax(x!, 0),
  ),
];

const losses: GradCase[] = [
  c(
    'mseLoss (mean, both inputs)',
    (r) => [r.randn([3, 2]), r.randn([3, 2])],
    (a, b) => F.mseLoss(a!, b!),
  ),
  c(
    'mseLoss (none)',
    (r) => [r.randn([4]), r.randn([4])],
    (a, b) => F.mseLoss(a!, b!, 'none'),
  ),
  c(
    'crossEntropy',
    (r) => [r.randn([4, 5]), i64([0, 4, 2, 2])],
    (x, t) => F.crossEntropy(x!, t!),
  ),
  c(
    'crossEntropy (labelSmoothing 0.1)',
    (r) => [r.randn([4, 5]), i64([1, 3, 0, 3])],
    (x, t) => F.crossEntropy(x!, t!, { labelSmoothing: 0.1 }),
  ),
  c(
    'crossEntropy (spatial, none)',
    (r) => [
      r.randn([2, 3, 2, 2]),
      i64([
        [
          [0, 1],
          [2, 2],
        ],
        [
          [1, 0],
          [0, 2],
        ],
      ]),
    ],
    (x, t) => F.crossEntropy(x!, t!, { reduction: 'none' }),
  ),
  c(
    'crossEntropy (ignoreIndex, sum)',
    (r) => [r.randn([4, 3]), i64([0, 2, 1, 2])],
    (x, t) => F.crossEntropy(x!, t!, { ignoreIndex: 2, reduction: 'sum' }),
  ),
  c(
    'nllLoss',
    (r) => [r.randn([4, 3]), i64([2, 0, 1, 1])],
    (x, t) => F.nllLoss(x!, t!),
  ),
  c(
    'nllLoss (sum)',
    (r) => [r.randn([3, 4]), i64([3, 3, 0])],
    (x, t) => F.nllLoss(x!, t!, 'sum'),
  ),
  c(
    'binaryCrossEntropyWithLogits (logits)',
    (r) => [r.randn([3, 2], 2), r.uniform([3, 2], 0, 1, false)],
    (x, t) => F.binaryCrossEntropyWithLogits(x!, t!),
  ),
  c(
    'binaryCrossEntropyWithLogits (logits and targets, sum)',
    (r) => [r.randn([4], 2), r.uniform([4], 0, 1)],
    (x, t) => F.binaryCrossEntropyWithLogits(x!, t!, 'sum'),
  ),
];

runGradTable('∂ F.', [...layers, ...attention, ...activations, ...losses], 500);

test('gradcheck rejects a wrong gradient (x·detach(x) has autograd grad x, true grad 2x)', () => {
  using r = new Inputs(7);
  const x = r.randn([3]);
  assert.throws(() => gradcheck((a) => a!.mul(a!.detach()), [x]), /gradcheck: ∂L\/∂input0\[0\]/);
  x.dispose();
});
