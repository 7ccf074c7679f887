// Random streams and determinism: seeds, independent Generators, state save/restore, value ranges, PyTorch's own
// streams (test/fixtures/ops_ref.json), deterministic-algorithms mode, and bit-identical training at 1 and 2 threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  Generator,
  areDeterministicAlgorithmsEnabled,
  disposeAll,
  getDefaultGenerator,
  getNumThreads,
  manualSeed,
  multinomial,
  noGrad,
  normal,
  rand,
  randint,
  randn,
  randnLike,
  randperm,
  scope,
  setNumThreads,
  tensor,
  useDeterministicAlgorithms,
  zeros,
  type Tensor,
} from '../../src/torch/index.js';
import { fromRecord, loadRef } from './ref.js';

const draw = (f: () => Tensor): number[] => scope(() => f().toArray());

test('the same manualSeed gives the same randn, rand and normal; a different seed differs', () => {
  manualSeed(123);
  const a = draw(() => randn([8]));
  const a2 = draw(() => rand([4]));
  const a3 = draw(() => normal(2, 0.5, [3]));
  manualSeed(123);
  assert.deepEqual(
    draw(() => randn([8])),
    a,
  );
  assert.deepEqual(
    draw(() => rand([4])),
    a2,
  );
  assert.deepEqual(
    draw(() => normal(2, 0.5, [3])),
    a3,
  );
  manualSeed(124);
  assert.notDeepEqual(
    draw(() => randn([8])),
    a,
  );
  manualSeed(5);
  const like = draw(() => randnLike(zeros([3])));
  manualSeed(5);
  assert.deepEqual(
    like,
    draw(() => randn([3])),
    'randnLike draws from the global generator',
  );
});

test('Generators are independent of the global generator and of each other', () => {
  const alone = (seed: number): number[] => {
    using g = new Generator(seed);
    return [...draw(() => randn([3], { generator: g })), ...draw(() => randn([3], { generator: g }))];
  };
  const expected1 = alone(1);
  const expected2 = alone(2);
  using g1 = new Generator(1);
  using g2 = new Generator(2);
  manualSeed(0);
  const got1 = draw(() => randn([3], { generator: g1 }));
  const got2 = draw(() => randn([3], { generator: g2 }));
  draw(() => randn([100])); // the global stream moves on
  manualSeed(99); // and is reseeded
  got1.push(...draw(() => randn([3], { generator: g1 })));
  got2.push(...draw(() => randn([3], { generator: g2 })));
  assert.deepEqual(got1, expected1);
  assert.deepEqual(got2, expected2);
  assert.notDeepEqual(expected1, expected2);
});

test('Generator getState/setState resumes the exact stream; manualSeed restarts it', () => {
  using g = new Generator(7);
  draw(() => randn([5], { generator: g }));
  const state = g.getState();
  assert.equal(state.dtype, 'uint8');
  const next = draw(() => randn([6], { generator: g }));
  const nextRand = draw(() => rand([2], { generator: g }));
  g.setState(state);
  assert.deepEqual(
    draw(() => randn([6], { generator: g })),
    next,
  );
  assert.deepEqual(
    draw(() => rand([2], { generator: g })),
    nextRand,
  );
  using other = new Generator(1000);
  other.setState(state);
  assert.deepEqual(
    draw(() => randn([6], { generator: other })),
    next,
    'a state moves between generators',
  );
  state.dispose();
  g.manualSeed(7);
  using fresh = new Generator(7);
  assert.deepEqual(
    draw(() => randn([4], { generator: g })),
    draw(() => randn([4], { generator: fresh })),
  );
});

test('the default generator can be seeded, saved and restored like any other; dispose() leaves it alone', () => {
  const g = getDefaultGenerator();
  g.manualSeed(11);
  const s = g.getState();
  const a = draw(() => randn([4]));
  g.setState(s);
  assert.deepEqual(
    draw(() => randn([4])),
    a,
  );
  manualSeed(11);
  assert.deepEqual(
    draw(() => randn([4])),
    a,
    'manualSeed and getDefaultGenerator().manualSeed agree',
  );
  g.dispose();
  assert.equal(draw(() => randn([2], { generator: g })).length, 2, 'still usable after dispose()');
  s.dispose();
});

test('ranges: rand in [0,1), randint in [low, high) as int64, randn roughly standard, randperm a permutation', () => {
  using g = new Generator(3);
  scope(() => {
    const u = rand([5000], { generator: g, dtype: 'float64' }).toArray();
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const r = randint(3, 7, [2000], { generator: g });
    assert.equal(r.dtype, 'int64');
    assert.deepEqual([...new Set(r.toArray())].sort(), [3, 4, 5, 6]);
    assert.equal(randint(0, 4, [3], { generator: g, dtype: 'int32' }).dtype, 'int32');
    const n = randn([20000], { generator: g, dtype: 'float64' });
    assert.ok(Math.abs(n.mean().item()) < 0.03, `mean ${n.mean().item()}`);
    assert.ok(Math.abs(n.std().item() - 1) < 0.03, `std ${n.std().item()}`);
    const p = randperm(50, { generator: g });
    assert.equal(p.dtype, 'int64');
    assert.deepEqual(
      p.sort().values.toArray(),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});

test('multinomial: never draws zero-weight classes, follows weights, and without replacement draws distinct', () => {
  using g = new Generator(4);
  scope(() => {
    const s = multinomial(tensor([0, 1, 4]), 4000, true, g).toArray();
    assert.ok(s.every((v) => v === 1 || v === 2));
    const frac2 = s.filter((v) => v === 2).length / s.length;
    assert.ok(Math.abs(frac2 - 0.8) < 0.03, `class 2 drawn ${frac2}`);
    const rows = multinomial(
      tensor([
        [1, 1, 1, 0],
        [0, 2, 2, 2],
      ]),
      3,
      false,
      g,
    );
    assert.deepEqual(rows.shape, [2, 3]);
    const [r0, r1] = [rows.index(0).sort().values.toArray(), rows.index(1).sort().values.toArray()];
    assert.deepEqual(r0, [0, 1, 2]);
    assert.deepEqual(r1, [1, 2, 3]);
  });
});

test('streams match PyTorch bit for bit (torch.Generator().manual_seed(s), torch.manual_seed)', () => {
  const ref = loadRef().random;
  const same = (name: string, f: () => Tensor): void => {
    scope(() => {
      const expected = fromRecord(ref[name]!);
      const got = f();
      assert.equal(got.dtype, expected.dtype, name);
      assert.deepEqual(got.toTypedArray(), expected.toTypedArray(), name);
    });
  };
  const gen = (seed: number): Generator => new Generator(seed);
  same('generator42_randn10', () => randn([10], { generator: gen(42) }));
  const g42 = gen(42);
  draw(() => randn([10], { generator: g42 }));
  same('generator42_then_randn_2x3', () => randn([2, 3], { generator: g42 }));
  same('generator7_rand6', () => rand([6], { generator: gen(7) }));
  same('generator7_rand4_f64', () => rand([4], { generator: gen(7), dtype: 'float64' }));
  same('generator3_randint_0_10_x8', () => randint(0, 10, [8], { generator: gen(3) }));
  same('generator5_randperm10', () => randperm(10, { generator: gen(5) }));
  manualSeed(42);
  same('manual_seed42_randn6', () => randn([6]));
});

test('useDeterministicAlgorithms toggles the flag and back', () => {
  const prev = areDeterministicAlgorithmsEnabled();
  useDeterministicAlgorithms(true);
  assert.equal(areDeterministicAlgorithmsEnabled(), true);
  useDeterministicAlgorithms(false);
  assert.equal(areDeterministicAlgorithmsEnabled(), false);
  useDeterministicAlgorithms(prev);
});

test('seeded stochastic layers: dropout under manualSeed and bernoulliMask with a Generator repeat exactly', () => {
  const once = (): number[] => {
    manualSeed(8);
    using g = new Generator(9);
    return scope(() => [...F.dropout(randn([16]), 0.5, true).toArray(), ...F.bernoulliMask([16], 0.3, g).toArray()]);
  };
  assert.deepEqual(once(), once());
});

/** A tiny conv net trained for a few SGD steps from `seed`; returns all weights' bytes. */
function trainTinyConvNet(seed: number): Uint8Array[] {
  using g = new Generator(seed);
  const init = (shape: number[], scale: number): Tensor =>
    scope(() => randn(shape, { generator: g }).mul(scale).requiresGrad_(true)).keep();
  const conv = init([8, 3, 3, 3], 0.2);
  const norm = scope(() => zeros([8]).add(1).requiresGrad_(true)).keep();
  const head = init([4, 8], 0.2);
  const params = [conv, norm, head];
  for (let step = 0; step < 20; step++) {
    scope(() => {
      const x = randn([4, 3, 8, 8], { generator: g });
      const target = randint(0, 4, [4], { generator: g });
      const h = F.groupNorm(F.conv2d(x, conv, null, { padding: 1 }), 2, norm).relu();
      const logits = F.linear(F.adaptiveAvgPool2d(h, 1).flatten(1), head);
      F.crossEntropy(logits, target).backward();
      noGrad(() => {
        for (const p of params) {
          const grad = p.grad!;
          p.sub_(grad.mul(0.1));
          p.grad = null;
        }
      });
    });
  }
  const bytes = params.map((p) => new Uint8Array(p.toTypedArray().buffer));
  disposeAll(params);
  return bytes;
}

test('a seeded training run repeated gives bit-identical weights, at 1 thread and at 2 threads', () => {
  const threads = getNumThreads();
  try {
    for (const n of [1, 2]) {
      setNumThreads(n);
      assert.equal(getNumThreads(), n);
      const a = trainTinyConvNet(2024);
      const b = trainTinyConvNet(2024);
      a.forEach((w, i) => assert.deepEqual(b[i], w, `parameter ${i} at ${n} thread(s)`));
      if (n === 1) assert.notDeepEqual(trainTinyConvNet(2025)[0], a[0], 'a different seed trains differently');
    }
  } finally {
    setNumThreads(threads);
  }
});
