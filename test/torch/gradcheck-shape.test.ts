// Gradient checks (float64 central differences vs autograd) for linear algebra, shape and indexing ops.
import { cat, cdist, einsum, meshgrid, slice, stack } from '../../src/torch/index.js';
import { gradCase as c, i64, mask, runGradTable, type GradCase } from './gradcase.js';

const linalg: GradCase[] = [
  c(
    'matmul (2-D)',
    (r) => [r.randn([3, 4]), r.randn([4, 2])],
    (a, b) => a!.matmul(b!),
  ),
  c(
    'matmul (batched broadcast)',
    (r) => [r.randn([2, 1, 3, 4]), r.randn([3, 4, 2])],
    (a, b) => a!.matmul(b!),
  ),
  c(
    'matmul (vector, matrix)',
    (r) => [r.randn([4]), r.randn([4, 3])],
    (a, b) => a!.matmul(b!),
  ),
  c(
    'matmul (matrix, vector)',
    (r) => [r.randn([3, 4]), r.randn([4])],
    (a, b) => a!.matmul(b!),
  ),
  c(
    'mm',
    (r) => [r.randn([2, 3]), r.randn([3, 4])],
    (a, b) => a!.mm(b!),
  ),
  c(
    'bmm',
    (r) => [r.randn([2, 2, 3]), r.randn([2, 3, 2])],
    (a, b) => a!.bmm(b!),
  ),
  c(
    'outer',
    (r) => [r.randn([3]), r.randn([4])],
    (a, b) => a!.outer(b!),
  ),
  c(
    't',
    (r) => [r.randn([2, 3])],
    (a) => a!.t().mul(a!.t()),
  ),
  c(
    'einsum (bij,bjk->bik)',
    (r) => [r.randn([2, 2, 3]), r.randn([2, 3, 2])],
    (a, b) => einsum('bij,bjk->bik', a!, b!),
  ),
  c(
    'einsum (ii,j->j)',
    (r) => [r.randn([3, 3]), r.randn([2])],
    (a, b) => einsum('ii,j->j', a!, b!),
  ),
  c(
    'einsum (bhqd,bhkd->bhqk)',
    (r) => [r.randn([1, 2, 3, 2]), r.randn([1, 2, 2, 2])],
    (a, b) => einsum('bhqd,bhkd->bhqk', a!, b!),
  ),
  c(
    'cdist',
    (r) => [r.randn([3, 2]), r.randn([4, 2])],
    (a, b) => cdist(a!, b!),
  ),
];

const shape: GradCase[] = [
  c(
    'reshape',
    (r) => [r.randn([2, 6])],
    (a) => a!.reshape(3, -1).mul(a!.reshape([4, 3]).t()),
  ),
  c(
    'view',
    (r) => [r.randn([2, 6])],
    (a) => a!.view(4, 3).square(),
  ),
  c(
    'permute',
    (r) => [r.randn([2, 3, 4])],
    (a) => a!.permute(2, 0, 1).cumsum(0),
  ),
  c(
    'transpose',
    (r) => [r.randn([2, 3, 4])],
    (a) => a!.transpose(0, 2).cumsum(0),
  ),
  c(
    'contiguous',
    (r) => [r.randn([2, 3])],
    (a) => a!.t().contiguous().cumsum(1),
  ),
  c(
    'clone',
    (r) => [r.randn([3])],
    (a) => a!.clone().square(),
  ),
  c(
    'to (float64 → float64)',
    (r) => [r.randn([3])],
    (a) => a!.to('float64').square(),
  ),
  c(
    'squeeze (all)',
    (r) => [r.randn([1, 3, 1])],
    (a) => a!.squeeze().cumsum(0),
  ),
  c(
    'squeeze (dim)',
    (r) => [r.randn([1, 3, 1])],
    (a) => a!.squeeze(2).cumsum(1),
  ),
  c(
    'unsqueeze',
    (r) => [r.randn([3])],
    (a) => a!.unsqueeze(1).mul(a!),
  ),
  c(
    'expand',
    (r) => [r.randn([3, 1])],
    (a) => a!.expand(-1, 4).cumsum(1),
  ),
  c(
    'expandAs',
    (r) => [r.randn([1, 4]), r.randn([3, 4], 1, false)],
    (a, b) => a!.expandAs(b!).mul(b!),
  ),
  c(
    'flatten',
    (r) => [r.randn([2, 3, 2])],
    (a) => a!.flatten(1).cumsum(1),
  ),
  c(
    'unflatten',
    (r) => [r.randn([2, 6])],
    (a) => a!.unflatten(1, [2, 3]).cumsum(2),
  ),
  c(
    'split (size)',
    (r) => [r.randn([5, 2])],
    (a) => a!.split(2),
  ),
  c(
    'split (sizes, dim 1)',
    (r) => [r.randn([2, 5])],
    (a) => a!.split([1, 3, 1], 1),
  ),
  c(
    'chunk',
    (r) => [r.randn([2, 6])],
    (a) => a!.chunk(3, 1).map((t, i) => t.mul(i + 1)),
  ),
  c(
    'repeat',
    (r) => [r.randn([2, 3])],
    (a) => a!.repeat(2, 1, 2).cumsum(2),
  ),
  c(
    'flip',
    (r) => [r.randn([3, 4])],
    (a) => a!.flip([0, 1]).cumsum(1),
  ),
  c(
    'roll',
    (r) => [r.randn([3, 4])],
    (a) => a!.roll([1, -1], [0, 1]).cumsum(1),
  ),
  c(
    'narrow',
    (r) => [r.randn([3, 5])],
    (a) => a!.narrow(1, 1, 3),
  ),
  c(
    'select',
    (r) => [r.randn([3, 5])],
    (a) => a!.select(0, -1),
  ),
  c(
    'tril',
    (r) => [r.randn([4, 4])],
    (a) => a!.tril(-1),
  ),
  c(
    'triu',
    (r) => [r.randn([3, 4])],
    (a) => a!.triu(1),
  ),
  c(
    'diag (matrix → vector)',
    (r) => [r.randn([3, 4])],
    (a) => a!.diag(1),
  ),
  c(
    'diag (vector → matrix)',
    (r) => [r.randn([3])],
    (a) => a!.diag(-1),
  ),
  c(
    'cat',
    (r) => [r.randn([2, 1]), r.randn([2, 3]), r.randn([2, 2])],
    (a, b, d) => cat([a!, b!, d!], 1),
  ),
  c(
    'stack',
    (r) => [r.randn([2, 3]), r.randn([2, 3])],
    (a, b) => stack([a!, b!], 1),
  ),
  c(
    'meshgrid',
    (r) => [r.randn([3]), r.randn([2])],
    (a, b) => meshgrid([a!, b!], 'xy'),
  ),
];

const indexing: GradCase[] = [
  c(
    'index (slice with step)',
    (r) => [r.randn([7, 3])],
    (a) => a!.index(slice(1, 6, 2)),
  ),
  c(
    'index (negative int, slice)',
    (r) => [r.randn([4, 5])],
    (a) => a!.index(-1, slice(-3)),
  ),
  c(
    'index (ellipsis, None)',
    (r) => [r.randn([2, 3, 4])],
    (a) => a!.index('...', null, 1),
  ),
  c(
    'index (tensor, repeats accumulate)',
    (r) => [r.randn([4, 2]), i64([3, 0, 3, -1])],
    (a, idx) => a!.index(idx!),
  ),
  c(
    'index (slice, tensor)',
    (r) => [r.randn([2, 4]), i64([1, 1, 2])],
    (a, idx) => a!.index(slice(), idx!),
  ),
  c(
    'index (two tensors)',
    (r) => [r.randn([3, 4]), i64([0, 2, 2]), i64([3, 1, 3])],
    (a, i, j) => a!.index(i!, j!),
  ),
  c(
    'index (bool mask)',
    (r) => [
      r.randn([2, 3]),
      mask([
        [true, false, true],
        [false, true, true],
      ]),
    ],
    (a, m) => a!.index(m!),
  ),
  c(
    'indexPut (self and values)',
    (r) => [r.randn([4, 3]), r.randn([2, 3]), i64([2, 0])],
    (a, v, idx) => a!.indexPut([idx!], v!),
  ),
  c(
    'indexPut (accumulate, repeats)',
    (r) => [r.randn([4, 3]), r.randn([3]), i64([1, 1, 3]), i64([0, 0, 2])],
    (a, v, i, j) => a!.indexPut([i!, j!], v!, true),
  ),
  c(
    'indexSelect',
    (r) => [r.randn([3, 4]), i64([3, 0, 3])],
    (a, idx) => a!.indexSelect(1, idx!),
  ),
  c(
    'gather',
    (r) => [
      r.randn([3, 4]),
      i64([
        [0, 3],
        [1, 1],
        [2, 0],
      ]),
    ],
    (a, idx) => a!.gather(1, idx!),
  ),
  c(
    'scatter (src, unique targets)',
    (r) => [
      r.randn([3, 4]),
      r.randn([3, 2]),
      i64([
        [0, 3],
        [2, 1],
        [1, 0],
      ]),
    ],
    (a, s, idx) => a!.scatter(1, idx!, s!),
  ),
  c(
    'scatter (value)',
    (r) => [
      r.randn([3, 4]),
      i64([
        [0, 3],
        [2, 1],
        [1, 0],
      ]),
    ],
    (a, idx) => a!.scatter(1, idx!, 0.5),
  ),
  c(
    'scatterAdd (repeats)',
    (r) => [
      r.randn([3, 4]),
      r.randn([3, 3]),
      i64([
        [0, 0, 3],
        [1, 1, 1],
        [2, 0, 2],
      ]),
    ],
    (a, s, idx) => a!.scatterAdd(1, idx!, s!),
  ),
  c(
    'maskedFill (scalar)',
    (r) => [r.randn([2, 3]), mask([true, false, true])],
    (a, m) => a!.maskedFill(m!, -2),
  ),
  c(
    'maskedFill (0-d tensor value)',
    (r) => [r.randn([2, 3]), mask([true, false, true]), r.randn([])],
    (a, m, v) => a!.maskedFill(m!, v!),
  ),
];

runGradTable('∂', [...linalg, ...shape, ...indexing], 300);
