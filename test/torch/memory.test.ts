// Native memory: a long training loop must not leak handles or RSS; scope() frees all but what it returns;
// `using` and dispose() free at once (twice is safe); the FinalizationRegistry frees what nobody disposed.
// The backstop test leaks on purpose and runs last, so its pending finalizers cannot disturb the exact counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { setImmediate as tick } from 'node:timers/promises';
import {
  F,
  Generator,
  cat,
  disposeAll,
  keep,
  memoryStats,
  noGrad,
  ones,
  persistent,
  randn,
  scope,
  slice,
  tensor,
  zeros,
  type Tensor,
} from '../../src/torch/index.js';

/** A callable gc(), with or without --expose-gc on the command line. */
function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
const gc = getGc();

const live = (): number => memoryStats().liveTensors;

interface Mlp {
  params: Tensor[];
  step(x: Tensor, y: Tensor, lr: number): number;
}

/** A 2-layer MLP trained by plain SGD: p ← p − lr·∇p under noGrad, gradients cleared with grad = null. */
function makeMlp(gen: Generator): Mlp {
  const init = (shape: number[], scale: number): Tensor =>
    scope(() => randn(shape, { generator: gen }).mul(scale).requiresGrad_(true)).keep();
  const w1 = init([16, 8], 0.3);
  const b1 = zeros([16], { requiresGrad: true });
  const w2 = init([1, 16], 0.3);
  const b2 = zeros([1], { requiresGrad: true });
  const params = [w1, b1, w2, b2];
  return {
    params,
    step: (x, y, lr) =>
      scope(() => {
        // A few extra ops on the way (index, cat, split, softmax) so their paths are leak-checked too.
        const [xa, xb] = x.split(16);
        const batch = cat([xa!, xb!.index(slice(), slice())]);
        const h = F.linear(batch, w1, b1).relu();
        const out = F.linear(h, w2, b2);
        const loss = F.mseLoss(out, y).add(h.softmax(1).mean().mul(0));
        loss.backward();
        noGrad(() => {
          for (const p of params) {
            const g = p.grad!;
            p.sub_(g.mul(lr));
            p.grad = null;
          }
        });
        return loss.item();
      }),
  };
}

test('2000 SGD steps of a 2-layer MLP: live tensors constant after warm-up, RSS growth under 30 MB', () => {
  using gen = new Generator(0);
  const x = randn([32, 8], { generator: gen });
  const y = scope(() =>
    x
      .narrow(1, 0, 1)
      .mul(2)
      .sub(x.narrow(1, 1, 1))
      .tanh(),
  );
  const mlp = makeMlp(gen);
  const warmup = 200;
  const steps = 2000;
  let first = 0;
  let last = 0;
  let liveAtWarmup = -1;
  let bytesAtWarmup = -1;
  let rssAtWarmup = 0;
  for (let s = 0; s < steps; s++) {
    last = mlp.step(x, y, 0.05);
    if (s === 0) first = last;
    if (s === warmup) {
      gc();
      liveAtWarmup = live();
      bytesAtWarmup = memoryStats().liveBytes;
      rssAtWarmup = process.memoryUsage().rss;
    } else if (s > warmup && s % 200 === 0) {
      assert.equal(live(), liveAtWarmup, `live tensors at step ${s}`);
      assert.equal(memoryStats().liveBytes, bytesAtWarmup, `live bytes at step ${s}`);
    }
  }
  gc();
  const growthMb = (process.memoryUsage().rss - rssAtWarmup) / 2 ** 20;
  assert.ok(growthMb < 30, `RSS grew ${growthMb.toFixed(1)} MB over ${steps - warmup} steps`);
  assert.equal(live(), liveAtWarmup);
  assert.ok(last < first * 0.5, `the model should learn: loss ${first} → ${last}`);
  disposeAll([x, y, mlp.params]);
});

test('scope frees everything made inside except returned tensors, in arrays, objects and Maps', () => {
  const before = live();
  const outer = zeros([2]);
  const result = scope(() => {
    const a = ones([3]);
    const b = a.mul(2);
    a.add(b); // garbage
    outer.add(1); // garbage made from an outer tensor
    return { pair: [b, a.sub(1)], map: new Map([['m', b.neg()]]), n: 3, s: 'x' };
  });
  assert.equal(live(), before + 1 + 3, 'outer, plus the three returned: b, a.sub(1), b.neg()');
  assert.equal(result.pair[0]!.disposed, false);
  assert.equal(result.map.get('m')!.disposed, false);
  assert.equal(outer.disposed, false, 'tensors from outside the scope are left alone');
  disposeAll([outer, result]);
  assert.equal(live(), before);
});

test('nested scopes hand returned tensors to the enclosing scope, which frees them unless returned again', () => {
  const before = live();
  let inner: Tensor | undefined;
  const kept = scope(() => {
    inner = scope(() => ones([2]).mul(3));
    assert.equal(inner.disposed, false);
    const survivor = scope(() => [ones([1]).add(1)])[0]!;
    void inner.add(1);
    return survivor;
  });
  assert.equal(inner!.disposed, true, 'moved to the outer scope, which did not return it');
  assert.deepEqual(kept.toArray(), [2]);
  kept.dispose();
  assert.equal(live(), before);
});

test('scope frees its tensors when fn throws; keep() and persistent() survive any scope', () => {
  const before = live();
  let made: Tensor | undefined;
  assert.throws(
    () =>
      scope(() => {
        made = ones([2]);
        throw new Error('inside');
      }),
    /inside/,
  );
  assert.equal(made!.disposed, true);
  const keptInner: Tensor[] = [];
  const [k, p] = scope(() => {
    scope(() => {
      keptInner.push(ones([1]).keep(), persistent(zeros([1])));
      ones([1]); // garbage
    });
    return [keep(ones([1])), 0];
  }) as [Tensor, number];
  assert.equal(k.disposed, false);
  assert.equal(p, 0);
  assert.equal(live(), before + 3, 'the two kept in the inner scope and the one kept in the outer');
  disposeAll([k, keptInner]);
  assert.equal(live(), before);
  assert.throws(() => scope(() => Promise.resolve(1)), /must be synchronous/);
});

test('using disposes at the end of the block; dispose twice is safe; use after dispose throws', () => {
  const before = live();
  let escaped: Tensor;
  {
    using t = ones([4]);
    escaped = t;
    assert.equal(live(), before + 1);
  }
  assert.equal(escaped.disposed, true);
  assert.equal(live(), before);
  const t = tensor([1, 2]);
  t.dispose();
  t.dispose();
  assert.equal(live(), before);
  assert.throws(() => t.add(1), { name: 'TorchError', message: /used after dispose/ });
  assert.throws(() => t.shape, { name: 'TorchError', message: /used after dispose/ });
});

test('every .grad read hands out a new handle; disposing it leaves the stored gradient intact', () => {
  const w = ones([2], { requiresGrad: true });
  scope(() => w.mul(3).sum().backward());
  const before = live();
  const g1 = w.grad!;
  const g2 = w.grad!;
  assert.equal(live(), before + 2);
  g1.dispose();
  g2.dispose();
  assert.equal(live(), before);
  const g3 = w.grad!;
  assert.deepEqual(g3.toArray(), [3, 3]);
  disposeAll([g3, w]);
});

test('tensors nobody disposed are freed by the FinalizationRegistry after GC (runs last: it leaks on purpose)', async () => {
  gc();
  await tick();
  const before = live();
  const leak = (): void => {
    for (let i = 0; i < 500; i++) noGrad(() => ones([64]).mul(i));
  };
  leak();
  assert.ok(live() >= before + 500, 'the leaked tensors are live until collected');
  for (let i = 0; i < 100 && live() > before; i++) {
    gc();
    await tick();
  }
  assert.equal(live(), before, 'all leaked tensors were finalized');
});
