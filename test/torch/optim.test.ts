// Optimizers and gradient clipping against Python PyTorch (fixture: test/fixtures/make_nn_ref.py), and exact resume
// from a state dict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { parameter } from '../../src/torch/nn/index.js';
import {
  Adam,
  AdamW,
  SGD,
  clipGradNorm_,
  type AdamHyper,
  type SGDHyper,
  type Optimizer,
} from '../../src/torch/optim/index.js';
import { assertClose, assertScalarClose } from '../helpers.js';
import { nnRef, fromJson, type OptimRun } from './nn-fixture.js';

type Tensor = torch.Tensor;

/** The fixture's loss, op for op: mean((tanh(x·wᵀ + b) − y)²). */
function loss(w: Tensor, b: Tensor, x: Tensor, y: Tensor): Tensor {
  return x.matmul(w.t()).add(b).tanh().sub(y).pow(2).mean();
}

const CAMEL: Record<string, string> = { weight_decay: 'weightDecay' };

function hyper(g: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(g).map(([k, v]) => [CAMEL[k] ?? k, v]));
}

function makeOptimizer(run: OptimRun, w: Tensor, b: Tensor): Optimizer<AdamHyper> | Optimizer<SGDHyper> {
  const groups = run.groups.map(hyper);
  if (run.optimizer === 'SGD') return new SGD([w, b], groups[0] as Partial<SGDHyper> & { lr: number });
  const Ctor = run.optimizer === 'Adam' ? Adam : AdamW;
  if (groups.length === 1) return new Ctor([w, b], groups[0] as Partial<AdamHyper>);
  return new Ctor([
    { params: [w], ...(groups[0] as Partial<AdamHyper>) },
    { params: [b], ...(groups[1] as Partial<AdamHyper>) },
  ]);
}

function problem(): { w: Tensor; b: Tensor; x: Tensor; y: Tensor } {
  const p = nnRef().optim.problem;
  return { w: parameter(fromJson(p.w)), b: parameter(fromJson(p.b)), x: fromJson(p.x), y: fromJson(p.y) };
}

for (const [name, run] of Object.entries(nnRef().optim.runs)) {
  test(`${name}: parameters after each step match torch.optim.${run.optimizer}`, () => {
    torch.scope(() => {
      const { w, b, x, y } = problem();
      const opt = makeOptimizer(run, w, b);
      run.trace.forEach((expected, i) => {
        opt.zeroGrad();
        torch.scope(() => loss(w, b, x, y).backward());
        opt.step();
        assertClose(w.toArray(), expected.w.data, 1e-7, 1e-6, `${name} step ${i + 1} w`);
        assertClose(b.toArray(), expected.b.data, 1e-7, 1e-6, `${name} step ${i + 1} b`);
      });
      opt.dispose();
      w.dispose();
      b.dispose();
    });
  });
}

test('a state dict resumes AdamW exactly, through JSON for the scalars', () => {
  torch.scope(() => {
    const a = problem();
    const optA = new AdamW([a.w, a.b], { lr: 0.05, amsgrad: true });
    const train = (p: { w: Tensor; b: Tensor; x: Tensor; y: Tensor }, opt: Optimizer<AdamHyper>, n: number): void => {
      for (let i = 0; i < n; i++) {
        opt.zeroGrad();
        torch.scope(() => loss(p.w, p.b, p.x, p.y).backward());
        opt.step();
      }
    };
    train(a, optA, 3);
    const sd = optA.stateDict();
    assert.deepEqual(
      [...sd.tensors.keys()],
      [
        'state.0.expAvg',
        'state.0.expAvgSq',
        'state.0.maxExpAvgSq',
        'state.1.expAvg',
        'state.1.expAvgSq',
        'state.1.maxExpAvgSq',
      ],
    );
    assert.deepEqual(sd.scalars.steps, { 0: 3, 1: 3 });
    const b = problem();
    torch.noGrad(() => {
      b.w.copy_(a.w);
      b.b.copy_(a.b);
    });
    const optB = new AdamW([b.w, b.b], { lr: 1 });
    optB.loadStateDict({ tensors: sd.tensors, scalars: JSON.parse(JSON.stringify(sd.scalars)) as typeof sd.scalars });
    assert.equal(optB.paramGroups[0]!.lr, 0.05);
    assert.equal(optB.paramGroups[0]!.amsgrad, true);
    train(a, optA, 3);
    train(b, optB, 3);
    assert.deepEqual(b.w.toArray(), a.w.toArray());
    assert.deepEqual(b.b.toArray(), a.b.toArray());
    const other = new SGD([b.w], { lr: 0.1 });
    assert.throws(
      () => other.loadStateDict(sd),
      /SGD\.loadStateDict: group sizes must match the optimizer's \[1\], got \[2\]/,
    );
    const wrongShape = new Map([['state.0.expAvg', torch.zeros([4, 3])]]);
    assert.throws(
      () => optB.loadStateDict({ tensors: wrongShape, scalars: sd.scalars }),
      /AdamW\.loadStateDict: "state\.0\.expAvg" must have shape \[3, 4\], got \[4, 3\]/,
    );
    for (const o of [optA, optB, other]) o.dispose();
    for (const t of [a.w, a.b, b.w, b.b]) t.dispose();
  });
});

test('optimizers validate their hyperparameters and params', () => {
  torch.scope(() => {
    const p = parameter(torch.zeros([2]));
    assert.throws(() => new AdamW([p], { lr: -1 }), /AdamW: lr must be ≥ 0, got -1/);
    assert.throws(() => new Adam([p], { betas: [0.9, 1] }), /Adam: betas must both be in \[0, 1\), got \[0\.9,1\]/);
    assert.throws(
      () => new SGD([p], { lr: 0.1, nesterov: true }),
      /SGD: nesterov must come with momentum > 0 and dampening 0/,
    );
    assert.throws(() => new SGD([], { lr: 0.1 }), /SGD: params must be a non-empty list/);
    assert.throws(() => new SGD([p.mul(2)], { lr: 0.1 }), /params must be leaf tensors/);
    assert.throws(
      () => new SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 }),
      /params must appear in one group only/,
    );
    p.dispose();
  });
});

test('parameters without a gradient are skipped', () => {
  torch.scope(() => {
    const p = parameter(torch.ones([2]));
    const q = parameter(torch.ones([2]));
    const opt = new AdamW([p, q], { lr: 0.1 });
    p.sum().backward();
    opt.step();
    assert.equal(opt.stateOf(q), undefined);
    assert.deepEqual(q.toArray(), [1, 1]);
    assert.equal(opt.stateOf(p)!.step, 1);
    opt.dispose();
    p.dispose();
    q.dispose();
  });
});

test('clipGradNorm_ matches torch.nn.utils.clip_grad_norm_', () => {
  const ref = nnRef().clip;
  for (const run of ref.runs) {
    torch.scope(() => {
      const params = ref.grads.map((g) => {
        const p = parameter(torch.zeros(g.shape));
        p.grad = fromJson(g);
        return p;
      });
      const normType = run.normType === 'inf' ? Infinity : run.normType;
      const total = clipGradNorm_(params, run.maxNorm, { normType });
      assertScalarClose(total, run.total, 1e-6 * run.total, `p=${run.normType} total`);
      params.forEach((p, i) =>
        assertClose(p.grad!.toArray(), run.clipped[i]!.data, 1e-7, 1e-6, `p=${run.normType} grad ${i}`),
      );
      for (const p of params) p.dispose();
    });
  }
});

test('clipGradNorm_ reports a non-finite norm instead of scaling by it', () => {
  torch.scope(() => {
    const a = parameter(torch.zeros([2]));
    const b = parameter(torch.zeros([2]));
    a.grad = torch.tensor([1, 2]);
    b.grad = torch.tensor([NaN, 1]);
    assert.ok(Number.isNaN(clipGradNorm_([a, b], 1)));
    assert.deepEqual(a.grad.toArray(), [1, 2], 'finite grads left untouched');
    assert.throws(
      () => clipGradNorm_([a, b], 1, { errorIfNonfinite: true }),
      /clipGradNorm_: the total 2-norm of the gradients must be finite, got NaN — /,
    );
    assert.equal(clipGradNorm_([parameter(torch.zeros([1]))], 1), 0, 'no gradients: norm 0');
  });
});
