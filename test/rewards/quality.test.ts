import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGaussianNoise, cloneImage, createImage, type RGBImage } from '../../src/data/image.js';
import { Rng } from '../../src/data/rng.js';
import {
  boxBlur,
  blockiness,
  laplacianVariance,
  noiseSigma,
  qualityReward,
  QUALITY_COMPONENTS,
} from '../../src/rewards/index.js';
import { assertResultShapes, rewardPrompt, shapesSamples } from './helpers.js';

/** Every pixel replaced by the mean of its `b`×`b` block (what a blocky decoder produces). */
function pixelate(img: RGBImage, b: number): RGBImage {
  const out = cloneImage(img);
  const { width: W, height: H } = img;
  for (let c = 0; c < 3; c++) {
    for (let by = 0; by < H; by += b) {
      for (let bx = 0; bx < W; bx += b) {
        let s = 0;
        for (let y = by; y < by + b; y++) for (let x = bx; x < bx + b; x++) s += img.data[c * W * H + y * W + x]!;
        for (let y = by; y < by + b; y++)
          for (let x = bx; x < bx + b; x++) out.data[c * W * H + y * W + x] = s / (b * b);
      }
    }
  }
  return out;
}

test('noise estimate: 0 on a flat image, close to the true std on pure noise (Immerkær kernel, MAD)', () => {
  const flat = createImage(32, 32);
  flat.data.fill(0.5);
  assert.equal(noiseSigma(flat), 0);
  const noisy = addGaussianNoise(flat, 0.1, new Rng(1));
  // The estimator reads the channel mean, whose std is 0.1/√3.
  const sigma = noiseSigma(noisy);
  assert.ok(
    Math.abs(sigma - 0.1 / Math.sqrt(3)) < 0.012,
    `σ̂ = ${sigma}, expected ≈ ${(0.1 / Math.sqrt(3)).toFixed(4)}`,
  );
});

test('quality components rank blurred, noisy and blocky renders below the clean one, sample by sample', async () => {
  const rng = new Rng(4);
  const samples = shapesSamples(12, 21);
  const clean = samples.map((s) => s.image);
  const variants = {
    blurred: clean.map(boxBlur),
    noisy: clean.map((i) => addGaussianNoise(i, 0.15, rng)),
    blocky: clean.map((i) => pixelate(i, 8)),
  };
  const rm = qualityReward();
  const prompts = samples.map((s) => rewardPrompt(s.prompt));
  const base = await rm.score({ rgb: clean, prompts });
  assertResultShapes(base, 12, QUALITY_COMPONENTS);
  const blurred = await rm.score({ rgb: variants.blurred, prompts });
  const noisy = await rm.score({ rgb: variants.noisy, prompts });
  const blocky = await rm.score({ rgb: variants.blocky, prompts });
  for (let i = 0; i < 12; i++) {
    const c = (r: typeof base, k: string): number => r.components[k]![i]!;
    assert.ok(c(blurred, 'sharpness') < c(base, 'sharpness'), `blur lowers sharpness (${i})`);
    assert.ok(c(noisy, 'noise') < c(base, 'noise'), `noise lowers the noise component (${i})`);
    assert.ok(c(noisy, 'background_clean') < c(base, 'background_clean'), `noise dirties the background (${i})`);
    assert.ok(c(blocky, 'blockiness') < c(base, 'blockiness'), `pixelation lowers the blockiness component (${i})`);
    assert.equal(c(base, 'background_clean'), 1, 'rendered backgrounds are clean');
    assert.equal(base.total[i], c(base, 'background_clean'), 'default total = background_clean');
  }
  assert.ok(Math.abs(blockiness(clean[0]!)) < 0.05, 'clean renders have no block structure');
  assert.ok(laplacianVariance(clean[0]!) > 0);
});

test('quality weights pick the total; unknown component names are refused', async () => {
  const [s] = shapesSamples(1, 2);
  const rm = qualityReward({ weights: { sharpness: 2, noise: 1 } });
  const r = await rm.score({ rgb: [s!.image], prompts: [rewardPrompt(s!.prompt)] });
  assert.ok(Math.abs(r.total[0]! - (2 * r.components.sharpness![0]! + r.components.noise![0]!)) < 1e-6);
  assert.throws(() => qualityReward({ weights: { crispness: 1 } as never }), /weights keys must be among sharpness/);
});
