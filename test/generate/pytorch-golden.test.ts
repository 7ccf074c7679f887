// Steps against Python PyTorch on the same seeded inputs. The golden numbers below were produced once, offline,
// with Debian's python3-torch 1.13 evaluating the reference implementations' formulas (flow_grpo
// sd3_sde_with_logprob.py 'sde' and 'cps' branches, ddpo-pytorch ddim_with_logprob.py) on tensors drawn from
// torch.Generator().manual_seed(1|2|3) — the same mt19937 streams our Generator(seed) draws. Python is not
// needed to run this test.
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { sdeStepWithLogProb, cpsStepWithLogProb, ddimStepWithLogProb } from '../../src/generate/index.js';
import { assertClose } from '../helpers.js';

const GOLDEN = {
  x: [-1.5255959033966064, -0.7502318024635315, -0.6539809107780457],
  sdePrevSample: [
    -1.1013957262039185, -0.4061684012413025, -0.9107482433319092, -1.0541236400604248, 0.5116391777992249,
  ],
  sdeLogProb: [-0.9985904693603516, -0.3173438012599945],
  cpsUnnormalizedLogProb: [-0.43625953793525696, -0.15392860770225525],
  ddimLogProb: [-1.9569590091705322, -1.151997447013855],
};

test('sde, cps and ddim steps match Python PyTorch running the reference formulas on the same seeded inputs', () => {
  const gen = (seed: number) => new torch.Generator(seed);
  const shape = [2, 4, 3, 3];
  const x = torch.randn(shape, { generator: gen(1) });
  const v = torch.randn(shape, { generator: gen(2) });
  assertClose(x.toArray().slice(0, 3), GOLDEN.x, 0, 0, 'same random stream');
  const sigma = torch.tensor([1.0, 0.6]); // includes σ = 1 → sigmaMax
  const sigmaNext = torch.tensor([0.9, 0.45]);
  const sde = sdeStepWithLogProb({
    velocity: v,
    sample: x,
    sigma,
    sigmaNext,
    sigmaMax: 0.9,
    noiseLevel: 0.7,
    generator: gen(3),
  });
  assertClose(sde.prevSample.toArray().slice(0, 5), GOLDEN.sdePrevSample, 1e-6, 1e-6, 'sde prevSample');
  assertClose(sde.logProb.toArray(), GOLDEN.sdeLogProb, 1e-6, 1e-6, 'sde logProb');
  const prev = sde.prevSample;
  const cps = cpsStepWithLogProb({
    velocity: v,
    sample: x,
    sigma,
    sigmaNext,
    noiseLevel: 0.7,
    prevSample: prev,
    logProbForm: 'unnormalized',
  });
  assertClose(cps.logProb.toArray(), GOLDEN.cpsUnnormalizedLogProb, 1e-6, 1e-6, 'cps logProb');
  const alphas = { alphaProdT: torch.tensor([0.3, 0.5]), alphaProdTPrev: torch.tensor([0.5, 0.8]) };
  const ddim = ddimStepWithLogProb({ epsilon: v, sample: x, ...alphas, eta: 1, prevSample: prev });
  assertClose(ddim.logProb.toArray(), GOLDEN.ddimLogProb, 1e-6, 1e-6, 'ddim logProb');
});
