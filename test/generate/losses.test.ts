// Training losses: the flow-matching target is ε − x₀, the DDPM targets are ε or v; per-sample losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { flowMatchingLoss, ddpmLoss, alphasCumprod, ddpmBetas, perSample } from '../../src/generate/index.js';
import { seeded } from './fixtures.js';

const SHAPE = [4, 2, 3, 3];

/** Knows x₀: recovers ε from its input x_σ = (1−σ)x₀ + σε, and returns ε − x₀ (+ an offset p). */
function flowOracle(x0: Tensor, offset?: Tensor) {
  return (x: Tensor, sigma: Tensor): Tensor =>
    torch.scope(() => {
      const s = perSample(sigma, x, 'oracle', 'sigma');
      const eps = x.sub(x0.mul(s.rsub(1))).div(s); // ε = (x_σ − (1−σ)x₀)/σ
      const v = eps.sub(x0); // ε − x₀
      return offset ? v.add(offset) : v;
    });
}

test('flowMatchingLoss is 0 for a model that returns ε − x₀ exactly, and its gradient is that of ‖p‖²', () => {
  const x0 = seeded(SHAPE, 1, 'float64');
  const g = new torch.Generator(2);
  const r = flowMatchingLoss(flowOracle(x0), x0, null, { generator: g });
  assert.deepEqual(r.perSample.shape, [4]);
  assert.ok(r.perSample.abs().max().item() < 1e-10, `oracle loss ${r.perSample.toArray()}`);
  const sig = r.time.toArray();
  assert.ok(
    sig.every((s) => s > 0 && s < 1),
    'uniform σ in (0,1)',
  );
  // An offset p on the prediction gives loss p² and dL/dp = 2p: the target is exactly ε − x₀.
  const p = torch.full([], 0.3, { dtype: 'float64', requiresGrad: true });
  const withOffset = flowMatchingLoss(flowOracle(x0, p), x0, null, { noise: r.noise, sigma: r.time });
  assert.ok(Math.abs(withOffset.loss.item() - 0.09) < 1e-10, `loss ${withOffset.loss.item()}`);
  withOffset.loss.backward();
  assert.ok(Math.abs(p.grad!.item() - 0.6) < 1e-10, `grad ${p.grad!.item()}`);
});

test('flowMatchingLoss: logit-normal σ lies in (0,1) centred on 0.5; per-sample generators reproduce each sample', () => {
  const x0 = seeded([512, 2], 3, 'float64');
  const r = flowMatchingLoss(flowOracle(x0), x0, null, {
    generator: new torch.Generator(4),
    sigmaSampling: 'logit_normal',
  });
  const s = r.time.toArray();
  assert.ok(s.every((v) => v > 0 && v < 1));
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03, `mean σ ${mean}`);
  const batch = seeded(SHAPE, 5, 'float64');
  const model = (x: Tensor) => x.mul(0.5);
  const gensOf = (seeds: number[]) => seeds.map((seed) => new torch.Generator(seed));
  const all = flowMatchingLoss(model, batch, null, { generator: gensOf([10, 11, 12, 13]) });
  const third = flowMatchingLoss(model, batch.narrow(0, 2, 1), null, { generator: gensOf([12]) });
  assert.equal(third.perSample.item(), all.perSample.toArray()[2]);
});

test('ddpmLoss is 0 for oracles returning ε (epsilon) or √ᾱ·ε − √(1−ᾱ)·x₀ (v_prediction)', () => {
  const ab = alphasCumprod(ddpmBetas(1000));
  const abT = torch.tensor(ab, { dtype: 'float64' });
  const x0 = seeded(SHAPE, 6, 'float64');
  for (const prediction of ['epsilon', 'v_prediction'] as const) {
    const oracle = (x: Tensor, t: Tensor): Tensor =>
      torch.scope(() => {
        const a = perSample(abT.indexSelect(0, t.long()), x, 'oracle', 'alpha');
        const eps = x.sub(x0.mul(a.sqrt())).div(a.rsub(1).sqrt()); // ε from x_t
        return prediction === 'epsilon' ? eps : eps.mul(a.sqrt()).sub(x0.mul(a.rsub(1).sqrt()));
      });
    const r = ddpmLoss(oracle, x0, null, { alphasCumprod: ab, prediction, generator: new torch.Generator(7) });
    assert.ok(r.perSample.abs().max().item() < 1e-8, `${prediction}: ${r.perSample.toArray()}`);
    const t = r.time.toArray();
    assert.ok(t.every((v) => Number.isInteger(v) && v >= 0 && v < 1000));
  }
});
