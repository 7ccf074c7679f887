import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { clippedPolicyLoss } from '../../src/algorithms/policy-loss.js';
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
