// Gradient checks (float64 central differences vs autograd) for every differentiable Tensor method and torch
// free function the API binds: elementwise ops and reductions here; linear algebra, shape and indexing in
// gradcheck-shape.test.ts; F.* in gradcheck-functional.test.ts.
import { where } from '../../src/torch/index.js';
import { gradCase as c, mask, runGradTable, type GradCase } from './gradcase.js';

const elementwise: GradCase[] = [
  c(
    'add (tensor, broadcast)',
    (r) => [r.randn([3, 4]), r.randn([4])],
    (a, b) => a!.add(b!),
  ),
  c(
    'add (tensor, alpha)',
    (r) => [r.randn([3]), r.randn([3])],
    (a, b) => a!.add(b!, 2.5),
  ),
  c(
    'add (scalar)',
    (r) => [r.randn([3])],
    (a) => a!.add(1.5),
  ),
  c(
    'sub (tensor, alpha)',
    (r) => [r.randn([2, 3]), r.randn([2, 1])],
    (a, b) => a!.sub(b!, 0.5),
  ),
  c(
    'sub (scalar)',
    (r) => [r.randn([3])],
    (a) => a!.sub(2),
  ),
  c(
    'rsub',
    (r) => [r.randn([3])],
    (a) => a!.rsub(2),
  ),
  c(
    'mul (tensor, broadcast)',
    (r) => [r.randn([2, 3, 1]), r.randn([3, 4])],
    (a, b) => a!.mul(b!),
  ),
  c(
    'mul (scalar)',
    (r) => [r.randn([4])],
    (a) => a!.mul(-3.5),
  ),
  c(
    'div (tensor)',
    (r) => [r.randn([3, 2]), r.uniform([2], 0.5, 2)],
    (a, b) => a!.div(b!),
  ),
  c(
    'div (scalar)',
    (r) => [r.randn([4])],
    (a) => a!.div(0.7),
  ),
  c(
    'pow (scalar exponent 2.5)',
    (r) => [r.uniform([4], 0.5, 2)],
    (a) => a!.pow(2.5),
  ),
  c(
    'pow (integer exponent 3)',
    (r) => [r.randn([4])],
    (a) => a!.pow(3),
  ),
  c(
    'pow (tensor exponent)',
    (r) => [r.uniform([2, 3], 0.5, 2), r.randn([3])],
    (a, b) => a!.pow(b!),
  ),
  c(
    'remainder',
    (r) => [r.uniform([4], 0.1, 0.9)],
    (a) => a!.add(3).remainder(1),
  ),
  c(
    'neg',
    (r) => [r.randn([4])],
    (a) => a!.neg(),
  ),
  c(
    'abs (away from 0)',
    (r) => [r.awayFromZero([6])],
    (a) => a!.abs(),
  ),
  c(
    'exp',
    (r) => [r.randn([4])],
    (a) => a!.exp(),
  ),
  c(
    'log',
    (r) => [r.uniform([4], 0.3, 3)],
    (a) => a!.log(),
  ),
  c(
    'log1p',
    (r) => [r.uniform([4], -0.5, 2)],
    (a) => a!.log1p(),
  ),
  c(
    'expm1',
    (r) => [r.randn([4])],
    (a) => a!.expm1(),
  ),
  c(
    'sqrt',
    (r) => [r.uniform([4], 0.3, 3)],
    (a) => a!.sqrt(),
  ),
  c(
    'rsqrt',
    (r) => [r.uniform([4], 0.3, 3)],
    (a) => a!.rsqrt(),
  ),
  c(
    'square',
    (r) => [r.randn([4])],
    (a) => a!.square(),
  ),
  c(
    'reciprocal',
    (r) => [r.uniform([4], 0.3, 3)],
    (a) => a!.reciprocal(),
  ),
  c(
    'sin',
    (r) => [r.randn([4], 2)],
    (a) => a!.sin(),
  ),
  c(
    'cos',
    (r) => [r.randn([4], 2)],
    (a) => a!.cos(),
  ),
  c(
    'tanh',
    (r) => [r.randn([4])],
    (a) => a!.tanh(),
  ),
  c(
    'sigmoid',
    (r) => [r.randn([4], 2)],
    (a) => a!.sigmoid(),
  ),
  c(
    'relu (away from 0)',
    (r) => [r.awayFromZero([6])],
    (a) => a!.relu(),
  ),
  c(
    'silu',
    (r) => [r.randn([5], 2)],
    (a) => a!.silu(),
  ),
  c(
    'erf',
    (r) => [r.randn([5])],
    (a) => a!.erf(),
  ),
  c(
    'clamp (scalar bounds)',
    (r) => [r.randn([8], 2)],
    (a) => a!.clamp(-1, 1),
  ),
  c(
    'clamp (min only)',
    (r) => [r.randn([8])],
    (a) => a!.clamp(0.1),
  ),
  c(
    'clamp (tensor bounds)',
    (r) => [r.randn([6], 2), r.uniform([6], -2, -0.5), r.uniform([6], 0.5, 2)],
    (a, lo, hi) => a!.clamp(lo!, hi!),
  ),
  c(
    'clamp (tensor min, scalar max)',
    (r) => [r.randn([6], 2), r.uniform([6], -2, -0.5)],
    (a, lo) => a!.clamp(lo!, 1),
  ),
  c(
    'maximum',
    (r) => [r.randn([2, 3]), r.randn([3])],
    (a, b) => a!.maximum(b!),
  ),
  c(
    'minimum',
    (r) => [r.randn([2, 3]), r.randn([2, 3])],
    (a, b) => a!.minimum(b!),
  ),
  c(
    'lerp',
    (r) => [r.randn([3]), r.randn([3])],
    (a, b) => a!.lerp(b!, 0.3),
  ),
  c(
    'nanToNum (finite inputs pass gradient)',
    (r) => [r.randn([4])],
    (a) => a!.nanToNum(),
  ),
  c(
    'where (tensor, tensor, broadcast)',
    (r) => [mask([true, false, true]), r.randn([2, 3]), r.randn([3])],
    (m, a, b) => where(m!, a!, b!),
  ),
  c(
    'where (scalar other)',
    (r) => [mask([true, false, true]), r.randn([3])],
    (m, a) => where(m!, a!, 0.5),
  ),
  c(
    'where (scalar self)',
    (r) => [mask([true, false, true]), r.randn([3])],
    (m, b) => where(m!, 2, b!),
  ),
];

const reductions: GradCase[] = [
  c(
    'sum (all)',
    (r) => [r.randn([2, 3])],
    (a) => a!.sum(),
  ),
  c(
    'sum (dims, keepdim)',
    (r) => [r.randn([2, 3, 2])],
    (a) => a!.sum([0, 2], true),
  ),
  c(
    'mean (all)',
    (r) => [r.randn([2, 3])],
    (a) => a!.mean(),
  ),
  c(
    'mean (dim, keepdim)',
    (r) => [r.randn([2, 3])],
    (a) => a!.mean(1, true),
  ),
  c(
    'prod (all)',
    (r) => [r.uniform([5], 0.5, 1.5)],
    (a) => a!.prod(),
  ),
  c(
    'prod (dim, keepdim)',
    (r) => [r.randn([3, 4])],
    (a) => a!.prod(1, true),
  ),
  c(
    'var (dim, correction 1)',
    (r) => [r.randn([3, 4])],
    (a) => a!.var(1),
  ),
  c(
    'var (all, correction 0)',
    (r) => [r.randn([3, 4])],
    (a) => a!.var(undefined, { correction: 0 }),
  ),
  c(
    'std (dims, keepdim)',
    (r) => [r.randn([2, 3, 2])],
    (a) => a!.std([0, 2], { keepdim: true }),
  ),
  c(
    'std (all, correction 0)',
    (r) => [r.randn([5])],
    (a) => a!.std(undefined, { correction: 0 }),
  ),
  c(
    'max (global)',
    (r) => [r.distinct([3, 4])],
    (a) => a!.max(),
  ),
  c(
    'min (global)',
    (r) => [r.distinct([3, 4])],
    (a) => a!.min(),
  ),
  c(
    'maxDim values',
    (r) => [r.distinct([3, 4])],
    (a) => a!.maxDim(1).values,
  ),
  c(
    'minDim values (keepdim)',
    (r) => [r.distinct([3, 4])],
    (a) => a!.minDim(0, true).values,
  ),
  c(
    'amax (dims, keepdim)',
    (r) => [r.distinct([2, 3, 4])],
    (a) => a!.amax([0, 2], true),
  ),
  c(
    'amin (dim)',
    (r) => [r.distinct([3, 4])],
    (a) => a!.amin(1),
  ),
  c(
    'logsumexp (dim, keepdim)',
    (r) => [r.randn([3, 4], 3)],
    (a) => a!.logsumexp(1, true),
  ),
  c(
    'logsumexp (dims)',
    (r) => [r.randn([2, 3, 2])],
    (a) => a!.logsumexp([0, 2]),
  ),
  c(
    'norm (p=2, all)',
    (r) => [r.randn([3, 4])],
    (a) => a!.norm(),
  ),
  c(
    'norm (p=1, dim)',
    (r) => [r.awayFromZero([3, 4])],
    (a) => a!.norm(1, 1),
  ),
  c(
    'norm (p=3, dims, keepdim)',
    (r) => [r.awayFromZero([2, 3, 2])],
    (a) => a!.norm(3, [0, 2], true),
  ),
  c(
    'norm (p=inf)',
    (r) => [r.distinct([3, 4])],
    (a) => a!.norm(Infinity, 0),
  ),
  c(
    'cumsum',
    (r) => [r.randn([3, 4])],
    (a) => a!.cumsum(1),
  ),
  c(
    'softmax',
    (r) => [r.randn([3, 4], 2)],
    (a) => a!.softmax(1),
  ),
  c(
    'softmax (dim 0)',
    (r) => [r.randn([3, 4], 2)],
    (a) => a!.softmax(0),
  ),
  c(
    'logSoftmax',
    (r) => [r.randn([3, 4], 2)],
    (a) => a!.logSoftmax(-1),
  ),
  c(
    'sort values',
    (r) => [r.distinct([3, 5])],
    (a) => a!.sort(1, true).values,
  ),
  c(
    'topk values',
    (r) => [r.distinct([3, 6])],
    (a) => a!.topk(2, 1).values,
  ),
  c(
    'topk values (smallest, dim 0)',
    (r) => [r.distinct([5, 3])],
    (a) => a!.topk(2, 0, false).values,
  ),
];

runGradTable('∂', [...elementwise, ...reductions], 100);
