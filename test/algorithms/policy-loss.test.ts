import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { clippedPolicyLoss, denseClippedPolicyLoss } from '../../src/algorithms/policy-loss.js';
import { assertScalarClose } from '../helpers.js';

test('clipped surrogate equals the hand-computed PPO objective', () => {
  torch.scope(() => {
    // ratios e^0 = 1, e^0.2 ≈ 1.2214, e^-0.3 ≈ 0.7408, e^0.05 ≈ 1.0513 with ε = 0.1
    const old = torch.zeros([2, 2]);
    const lp = torch.tensor([[0, 0.2], [-0.3, 0.05]]);
    const adv = torch.tensor([1, -2]);
    const r = clippedPolicyLoss({ logProbs: lp, oldLogProbs: old, advantages: adv, clipRange: 0.1 });
    const ratios = [1, Math.exp(0.2), Math.exp(-0.3), Math.exp(0.05)];
    const A = [1, 1, -2, -2];
    const terms = ratios.map((q, i) => Math.max(-A[i]! * q, -A[i]! * Math.min(Math.max(q, 0.9), 1.1)));
    assertScalarClose(r.loss.item(), terms.reduce((a, b) => a + b) / 4, 1e-6, 'loss');
    assert.equal(r.clipFraction, 0.5); // the 1.2214 and 0.7408 ratios are outside [0.9, 1.1]
    assertScalarClose(r.approxKl, (0.04 + 0.09 + 0.0025) / 8, 1e-7, 'approxKl');
  });
});

test('at ratio 1 the gradient is −A·∇logp (the REINFORCE direction)', () => {
  torch.scope(() => {
    const lp = torch.tensor([[0.3, -0.1]], { dtype: 'float64' }).requiresGrad_();
    const old = lp.detach().clone();
    const r = clippedPolicyLoss({ logProbs: lp, oldLogProbs: old, advantages: torch.tensor([2], { dtype: 'float64' }), clipRange: 1e-4 });
    r.loss.backward();
    assert.deepEqual(lp.grad!.toArray(), [-1, -1]); // d/dlogp of mean(−A·e^{logp−old}) = −A/2 per term
  });
});

test('shape mismatches are named', () => {
  torch.scope(() => {
    assert.throws(
      () => clippedPolicyLoss({ logProbs: torch.zeros([2, 3]), oldLogProbs: torch.zeros([2, 2]), advantages: torch.zeros([2]), clipRange: 0.1 }),
      /logProbs and oldLogProbs must both be \[B, K\]/,
    );
  });
});

test('dense surrogate with a uniform map has the scalar surrogate\'s gradient; a map moves credit between pixels', () => {
  torch.scope(() => {
    torch.manualSeed(3);
    const ell = torch.randn([2, 3, 3, 4, 4], { dtype: 'float64' }); // [B, K, C, H, W] per-element log-densities
    const A = torch.tensor([1.5, -0.5], { dtype: 'float64' });
    const scalarIn = ell.clone().requiresGrad_();
    const s = clippedPolicyLoss({ logProbs: scalarIn.mean([2, 3, 4]), oldLogProbs: ell.mean([2, 3, 4]), advantages: A, clipRange: 1e-3 });
    s.loss.backward();
    const denseIn = ell.clone().requiresGrad_();
    const uniform = A.reshape([2, 1, 1, 1]).expand([2, 1, 4, 4]);
    const d = denseClippedPolicyLoss({ logDensities: denseIn, oldLogDensities: ell, advantages: uniform, clipRange: 1e-3 });
    d.loss.backward();
    const diff = denseIn.grad!.sub(scalarIn.grad!).abs().max().item();
    assert.ok(diff < 1e-15, `gradients differ by ${diff}`);
    // a map that is zero on the left half: those pixels get no gradient, the right half gets twice the mean credit
    const halfIn = ell.clone().requiresGrad_();
    const half = torch.cat([torch.zeros([2, 1, 4, 2], { dtype: 'float64' }), uniform.index('...', torch.slice(0, 2)).mul(2)], 3);
    denseClippedPolicyLoss({ logDensities: halfIn, oldLogDensities: ell, advantages: half, clipRange: 1e-3 }).loss.backward();
    const g = halfIn.grad!;
    assert.equal(g.index('...', torch.slice(0, 2)).abs().max().item(), 0);
    const right = g.index('...', torch.slice(2, 4)).sub(scalarIn.grad!.index('...', torch.slice(2, 4)).mul(2));
    assert.ok(right.abs().max().item() < 1e-15);
    assert.throws(() => denseClippedPolicyLoss({ logDensities: ell, oldLogDensities: ell.index(torch.slice(0, 1)), advantages: uniform, clipRange: 1e-3 }), /must both be/);
  });
});
