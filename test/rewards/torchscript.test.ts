import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/torch/index.js';
import { torchscriptReward } from '../../src/rewards/index.js';
import { assertClose } from '../helpers.js';
import { fixture } from '../torch/files.js';
import { assertResultShapes } from './helpers.js';

torch.setNumThreads(1);

interface RewardFixture {
  input_shape: number[];
  input: number[];
  expected: number[];
}

test('the TorchScript adapter reproduces the fixture scores (Python PyTorch) and is differentiable', async () => {
  const ref = JSON.parse(readFileSync(fixture('tiny_reward.json'), 'utf8')) as RewardFixture;
  const rm = torchscriptReward(fixture('tiny_reward.pt'), { name: 'tiny', inputRange: 'unit' });
  assert.equal(rm.differentiable, true, 'the probe finds a gradient path to the images');
  // The fixture input is the module's [0, 1]-range input; the batch carries model-range images 2u − 1.
  const u = torch.fromTypedArray(Float32Array.from(ref.input), ref.input_shape);
  const x = torch.scope(() => u.mul(2).sub(1));
  const prompts = ref.expected.map(() => ({ text: '' }));
  const r = await rm.score({ images: x, prompts });
  assertResultShapes(r, 3, ['score']);
  assertClose(r.total, ref.expected, 1e-5, 1e-4, 'scores');
  assert.equal(r.meta.model, fixture('tiny_reward.pt'));

  const signed = torchscriptReward(fixture('tiny_reward.pt'), { inputRange: 'signed', differentiable: false });
  assert.equal(signed.differentiable, false, 'an explicit flag overrides the probe');
  assertClose(
    (await signed.score({ images: u, prompts })).total,
    ref.expected,
    1e-5,
    1e-4,
    "'signed' passes images through",
  );

  const xg = x.detach().requiresGrad_();
  const s = rm.scoreDifferentiable(xg, prompts);
  s.sum().backward();
  assert.ok(torch.scope(() => xg.grad!.abs().sum().item()) > 0, 'gradient reaches the images');
  torch.disposeAll([u, x, xg, s]);
  await rm.close();
  await signed.close();
});
