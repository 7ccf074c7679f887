// torch.nn.functional: stateless layers, activations and losses.
import { TorchError } from './native.js';
import { aten } from './ops.js';
import { Tensor, wrap } from './tensor.js';
import { rand, type Generator } from './creation.js';

const op = {
  linear: aten('linear'),
  conv1d: aten('conv1d'),
  conv2d: aten('conv2d'),
  conv3d: aten('conv3d'),
  convTranspose2d: aten('conv_transpose2d', 'input'),
  upsampleNearest2d: aten('upsample_nearest2d', 'vec'),
  upsampleBilinear2d: aten('upsample_bilinear2d', 'vec'),
  maxPool2d: aten('max_pool2d'),
  avgPool2d: aten('avg_pool2d'),
  adaptiveAvgPool2d: aten('adaptive_avg_pool2d'),
  groupNorm: aten('group_norm'),
  layerNorm: aten('layer_norm'),
  gelu: aten('gelu'),
  softplus: aten('softplus'),
  logSigmoid: aten('log_sigmoid'),
  leakyRelu: aten('leaky_relu'),
  embedding: aten('embedding'),
  dropout: aten('dropout'),
  mseLoss: aten('mse_loss'),
  crossEntropy: aten('cross_entropy_loss'),
  bceLogits: aten('binary_cross_entropy_with_logits'),
  nllLoss: aten('nll_loss_nd'),
  pad: aten('constant_pad_nd'),
  reflectionPad2d: aten('reflection_pad2d'),
  sdpa: aten('_scaled_dot_product_attention'),
  cosineSimilarity: aten('cosine_similarity'),
  pixelShuffle: aten('pixel_shuffle'),
  unfold: aten('im2col'),
};

type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(op.linear(x.id, weight.id, bias?.id ?? null));
}

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
}

function checkRank(x: Tensor, rank: number, fn: string, what = 'input'): void {
  if (x.ndim !== rank) {
    throw new TorchError(`${what} must be rank ${rank}, but got rank ${x.ndim} (shape [${x.shape.join(', ')}])`, fn);
  }
}

export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  checkRank(x, 3, 'conv1d');
  return wrap(op.conv1d(x.id, weight.id, bias?.id ?? null, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1));
}

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  checkRank(x, 4, 'conv2d');
  return wrap(op.conv2d(x.id, weight.id, bias?.id ?? null, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1));
}

export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  checkRank(x, 5, 'conv3d');
  return wrap(op.conv3d(x.id, weight.id, bias?.id ?? null, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1));
}

export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  o: ConvOptions & { outputPadding?: number | number[] } = {},
): Tensor {
  checkRank(x, 4, 'conv_transpose2d');
  return wrap(
    op.convTranspose2d(
      x.id, weight.id, bias?.id ?? null, o.stride ?? 1, o.padding ?? 0, o.outputPadding ?? 0, o.groups ?? 1, o.dilation ?? 1,
    ),
  );
}

/** F.interpolate for 4-D inputs: give `size` or `scaleFactor`; bilinear uses align_corners=false by default. */
export function interpolate(
  x: Tensor,
  o: { size?: [number, number]; scaleFactor?: number; mode?: 'nearest' | 'bilinear'; alignCorners?: boolean },
): Tensor {
  checkRank(x, 4, 'interpolate');
  if ((o.size === undefined) === (o.scaleFactor === undefined)) {
    throw new TorchError('give exactly one of size or scaleFactor', 'interpolate');
  }
  const size = o.size ?? null;
  const scales = o.scaleFactor === undefined ? null : [o.scaleFactor, o.scaleFactor];
  if ((o.mode ?? 'nearest') === 'nearest') return wrap(op.upsampleNearest2d(x.id, size, scales));
  return wrap(op.upsampleBilinear2d(x.id, size, o.alignCorners ?? false, scales));
}

export function maxPool2d(x: Tensor, kernel: number | number[], stride?: number | number[], padding: number | number[] = 0): Tensor {
  return wrap(op.maxPool2d(x.id, kernel, stride ?? kernel, padding));
}

export function avgPool2d(x: Tensor, kernel: number | number[], stride?: number | number[], padding: number | number[] = 0): Tensor {
  return wrap(op.avgPool2d(x.id, kernel, stride ?? kernel, padding));
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number]): Tensor {
  return wrap(op.adaptiveAvgPool2d(x.id, typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize));
}

export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const c = x.shape[1] ?? 0;
  if (c % numGroups !== 0) {
    throw new TorchError(`channels (${c}) must be divisible by numGroups (${numGroups})`, 'group_norm');
  }
  return wrap(op.groupNorm(x.id, numGroups, weight?.id ?? null, bias?.id ?? null, eps));
}

export function layerNorm(x: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return wrap(op.layerNorm(x.id, normalizedShape, weight?.id ?? null, bias?.id ?? null, eps));
}

export function relu(x: Tensor): Tensor {
  return x.relu();
}

export function silu(x: Tensor): Tensor {
  return x.silu();
}

export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}

export function tanh(x: Tensor): Tensor {
  return x.tanh();
}

/** GELU; `approximate: 'tanh'` is the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return wrap(op.gelu(x.id, approximate));
}

export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return wrap(op.softplus(x.id, beta, threshold));
}

export function logSigmoid(x: Tensor): Tensor {
  return wrap(op.logSigmoid(x.id));
}

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return wrap(op.leakyRelu(x.id, slope));
}

export function softmax(x: Tensor, dim: number): Tensor {
  return x.softmax(dim);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  return x.logSoftmax(dim);
}

export function embedding(indices: Tensor, weight: Tensor, paddingIdx = -1): Tensor {
  return wrap(op.embedding(weight.id, indices.id, paddingIdx));
}

export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (p < 0 || p > 1) throw new TorchError(`p must be in [0, 1], got ${p}`, 'dropout');
  return wrap(op.dropout(x.id, p, training));
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(op.mseLoss(input.id, target.id, REDUCTION[reduction]));
}

/** Cross-entropy over class logits [N, C, ...] with int64 targets [N, ...]. */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  o: { reduction?: Reduction; labelSmoothing?: number; ignoreIndex?: number } = {},
): Tensor {
  return wrap(
    op.crossEntropy(logits.id, target.id, null, REDUCTION[o.reduction ?? 'mean'], o.ignoreIndex ?? -100, o.labelSmoothing ?? 0),
  );
}

export function nllLoss(logProbs: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(op.nllLoss(logProbs.id, target.id, null, REDUCTION[reduction], -100));
}

export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(op.bceLogits(logits.id, target.id, null, null, REDUCTION[reduction]));
}

/** Constant padding; `pad` lists (left, right) pairs from the last dim backwards, as F.pad. */
export function pad(x: Tensor, padding: number[], value = 0): Tensor {
  return wrap(op.pad(x.id, padding, value));
}

export function reflectionPad2d(x: Tensor, padding: [number, number, number, number]): Tensor {
  return wrap(op.reflectionPad2d(x.id, padding));
}

/**
 * softmax(q·kᵀ/√d + mask)·v over [..., L, d] inputs (F.scaled_dot_product_attention). `mask` is boolean
 * (true = attend) or additive float.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  o: { mask?: Tensor | null; dropoutP?: number; isCausal?: boolean } = {},
): Tensor {
  const r = op.sdpa(q.id, k.id, v.id, o.mask?.id ?? null, o.dropoutP ?? 0, false, o.isCausal ?? false) as number[];
  const out = wrap(r[0]);
  if (r[1] !== null && r[1] !== undefined) wrap(r[1]).dispose();
  return out;
}

export function cosineSimilarity(a: Tensor, b: Tensor, dim = 1, eps = 1e-8): Tensor {
  return wrap(op.cosineSimilarity(a.id, b.id, dim, eps));
}

export function pixelShuffle(x: Tensor, factor: number): Tensor {
  return wrap(op.pixelShuffle(x.id, factor));
}

/** Extracts sliding patches [N, C·kh·kw, L] (F.unfold). */
export function unfold(x: Tensor, kernel: number | number[], o: { dilation?: number; padding?: number; stride?: number } = {}): Tensor {
  return wrap(op.unfold(x.id, kernel, o.dilation ?? 1, o.padding ?? 0, o.stride ?? 1));
}

/** A keep-mask with probability `keepProb`, drawn from `generator` (reproducible stochastic layers). */
export function bernoulliMask(shape: number[], keepProb: number, generator: Generator): Tensor {
  const u = rand(shape, { generator });
  const mask = u.lt(keepProb);
  u.dispose();
  return mask;
}
