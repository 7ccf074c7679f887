// Autograd semantics: leaves and requiresGrad, backward with and without a gradient, accumulation, retainGraph,
// detach, grad-mode scopes, autograd.grad (with createGraph for second derivatives), clearing grads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  backward,
  enableGrad,
  grad,
  isGradEnabled,
  noGrad,
  ones,
  scope,
  setGradEnabled,
  tensor,
  zeros,
  type Tensor,
} from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';

const leaf = (data: number[]): Tensor => tensor(data, { dtype: 'float64', requiresGrad: true });

/** The gradient's values (disposing the handle that `.grad` hands out). */
function gradOf(t: Tensor): number[] | null {
  const g = t.grad;
  if (g === null) return null;
  try {
    return g.toArray();
  } finally {
    g.dispose();
  }
}

test('requiresGrad: leaves, results of ops on them, and requiresGrad_ toggling', () => {
  scope(() => {
    const x = leaf([1, 2]);
    const c = tensor([3, 4], { dtype: 'float64' });
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    assert.equal(c.requiresGrad, false);
    const y = x.mul(c);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.isLeaf, false);
    assert.equal(c.mul(c).requiresGrad, false);
    c.requiresGrad_(true);
    assert.equal(c.requiresGrad, true);
    c.requiresGrad = false;
    assert.equal(c.requiresGrad, false);
    assert.match(x.toString(), /requires_grad/);
  });
});

test('backward of a scalar fills .grad of the leaves; non-leaves keep none', () => {
  scope(() => {
    const x = leaf([1, 2, 3]);
    const w = leaf([0.5, -1, 2]);
    const y = x.mul(w).sum();
    y.backward();
    assert.deepEqual(gradOf(x), [0.5, -1, 2]);
    assert.deepEqual(gradOf(w), [1, 2, 3]);
    assert.equal(tensor([1]).grad, null, 'a tensor that never took part has no grad');
  });
});

test('backward on a non-scalar needs a gradient argument, which weights the vector-Jacobian product', () => {
  scope(() => {
    const x = leaf([1, 2, 3]);
    const y = x.square();
    assert.throws(() => y.backward(), { name: 'TorchError', message: /only for scalar outputs/ });
    y.backward(tensor([1, 0.5, -1], { dtype: 'float64' }));
    assert.deepEqual(gradOf(x), [2, 2, -6]);
  });
});

test('gradients accumulate across two backward calls until cleared with grad = null', () => {
  scope(() => {
    const x = leaf([1, 2]);
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    assert.deepEqual(gradOf(x), [6, 6]);
    x.grad = null;
    assert.equal(x.grad, null);
    x.square().sum().backward();
    assert.deepEqual(gradOf(x), [2, 4], 'after clearing, only the new gradient');
    const g = x.grad!;
    g.zero_();
    g.dispose();
    assert.deepEqual(gradOf(x), [0, 0], 'zero_ on the handle zeroes the stored gradient in place');
    x.grad = tensor([7, 8], { dtype: 'float64' });
    assert.deepEqual(gradOf(x), [7, 8], 'a gradient can be set by hand');
  });
});

test('retainGraph: a second backward through a graph works only if the first retained it', () => {
  scope(() => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assertClose(gradOf(x)!, [2 * Math.E, 2 * Math.exp(2)], 1e-12);
    const z = x.exp().sum();
    z.backward();
    assert.throws(() => z.backward(), {
      name: 'TorchError',
      message: /^backward: Trying to backward through the graph a second time.*retain_graph=True/s,
    });
  });
});

test('backward over several outputs at once (autograd.backward)', () => {
  scope(() => {
    const x = leaf([1, 2]);
    backward([x.sum(), x.square()], [null, tensor([1, 1], { dtype: 'float64' })]);
    assert.deepEqual(gradOf(x), [3, 5]);
  });
});

test('detach cuts the graph but shares storage', () => {
  scope(() => {
    const x = leaf([1, 2]);
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    const y = x.mul(d).sum();
    y.backward();
    assert.deepEqual(gradOf(x), [1, 2], 'd is a constant: ∂(x·d)/∂x = d');
    noGrad(() => d.add_(10));
    assert.deepEqual(x.toArray(), [11, 12], 'writes through the detached view reach x');
  });
});

test('noGrad and enableGrad scopes nest and restore the previous mode, even when fn throws', () => {
  scope(() => {
    const x = leaf([1]);
    assert.equal(isGradEnabled(), true);
    noGrad(() => {
      assert.equal(isGradEnabled(), false);
      assert.equal(x.mul(2).requiresGrad, false);
      enableGrad(() => {
        assert.equal(isGradEnabled(), true);
        assert.equal(x.mul(2).requiresGrad, true);
      });
      assert.equal(isGradEnabled(), false);
    });
    assert.equal(isGradEnabled(), true);
    assert.throws(
      () =>
        noGrad(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(isGradEnabled(), true, 'restored after a throw inside noGrad');
    noGrad(() => {
      assert.throws(
        () =>
          enableGrad(() => {
            throw new Error('bang');
          }),
        /bang/,
      );
      assert.equal(isGradEnabled(), false, 'restored after a throw inside enableGrad');
    });
    assert.equal(
      noGrad(() => 42),
      42,
      'noGrad returns fn’s value',
    );
    const prev = setGradEnabled(false);
    assert.equal(prev, true);
    assert.equal(isGradEnabled(), false);
    setGradEnabled(prev);
  });
});

test('autograd.grad returns gradients without touching .grad; allowUnused gives null', () => {
  scope(() => {
    const x = leaf([1, 2, 3]);
    const unused = leaf([5]);
    const [g] = grad([x.pow(3).sum()], [x]);
    assert.deepEqual(g!.toArray(), [3, 12, 27]);
    assert.equal(x.grad, null);
    assert.throws(() => grad([x.sum()], [unused]), { name: 'TorchError', message: /not have been used in the graph/ });
    const [gx, gu] = grad([x.sum()], [x, unused], { allowUnused: true });
    assert.deepEqual(gx!.toArray(), [1, 1, 1]);
    assert.equal(gu, null);
    const [gw] = grad([x.square()], [x], { gradOutputs: [tensor([1, 0, 2], { dtype: 'float64' })] });
    assert.deepEqual(gw!.toArray(), [2, 0, 12]);
  });
});

test('autograd.grad with createGraph gives differentiable gradients: second and mixed derivatives', () => {
  scope(() => {
    const x = leaf([2]);
    const y = leaf([3]);
    const f = x.pow(3).mul(y).sum(); // f = x³y
    const [dfdx] = grad([f], [x], { createGraph: true }); // 3x²y = 36
    assert.equal(dfdx!.requiresGrad, true);
    assertClose(dfdx!.toArray(), [36]);
    const [d2x, dxy] = grad([dfdx!.sum()], [x, y], { retainGraph: true }); // 6xy = 36, 3x² = 12
    assertClose(d2x!.toArray(), [36]);
    assertClose(dxy!.toArray(), [12]);
    // A gradient penalty, as in WGAN-GP: backward through ‖∇ₓ sin(x)‖² = cos²(x) gives −2 sin(x) cos(x).
    const z = leaf([0.3, -1.1]);
    const [gz] = grad([z.sin().sum()], [z], { createGraph: true });
    gz!.square().sum().backward();
    assertClose(
      gradOf(z)!,
      [0.3, -1.1].map((v) => -Math.sin(2 * v)),
      1e-12,
    );
  });
});

test('backward with createGraph keeps .grad differentiable', () => {
  scope(() => {
    const x = leaf([1.5]);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    assert.equal(g.requiresGrad, true);
    const [h] = grad([g.sum()], [x]);
    assertClose(h!.toArray(), [9]); // d/dx 3x² = 6x
    x.grad = null;
  });
});

test('in-place updates under noGrad on a leaf (SGD step) keep it a leaf; in-place on a leaf with grad throws', () => {
  scope(() => {
    const w = leaf([1, 2]);
    w.square().sum().backward();
    const g = w.grad!;
    noGrad(() => w.sub_(g.mul(0.1)));
    assert.deepEqual(w.toArray(), [0.8, 1.6]);
    assert.equal(w.isLeaf, true);
    assert.equal(w.requiresGrad, true);
    assert.throws(() => w.add_(1), { name: 'TorchError', message: /leaf Variable that requires grad/ });
  });
});

test('gradient of a model-like composite: F.linear + mseLoss against a hand-derived formula', () => {
  scope(() => {
    const w = tensor([[0.5, -0.25]], { dtype: 'float64', requiresGrad: true });
    const x = tensor(
      [
        [1, 2],
        [3, -1],
      ],
      { dtype: 'float64' },
    );
    const target = zeros([2, 1], { dtype: 'float64' });
    const loss = F.mseLoss(F.linear(x, w), target);
    loss.backward();
    // L = mean((xwᵀ)²) ⇒ ∂L/∂w = (2/N) Σₙ (xₙ·w) xₙ
    const r = [1 * 0.5 + 2 * -0.25, 3 * 0.5 - 1 * -0.25];
    assertClose(gradOf(w)!, [(2 / 2) * (r[0]! * 1 + r[1]! * 3), (2 / 2) * (r[0]! * 2 + r[1]! * -1)], 1e-14);
    assert.equal(ones([1]).requiresGrad, false);
  });
});

test('F.embedding: repeated ids accumulate into the weight gradient; the paddingIdx row gets none', () => {
  scope(() => {
    const w = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const ids = tensor([0, 2, 2, 1], { dtype: 'int64' });
    F.embedding(ids, w, 2).sum().backward();
    assert.deepEqual(gradOf(w), [1, 1, 1, 1, 0, 0]);
    w.grad = null;
    F.embedding(ids, w).sum().backward();
    assert.deepEqual(gradOf(w), [1, 1, 1, 1, 2, 2]);
  });
});
