// The conversions between a brought network's frame and the flow velocity (src/models/torchscript/parameterisation.ts),
// checked against the closed forms in float64: the DDPM ᾱ table, the timestep of a given ᾱ, and that each prediction
// type (ε, x₀, velocity; flow σ or VP timesteps), computed from known x₀ and ε, is turned back into v = ε − x₀.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../../src/torch/index.js';
import { ddpmAlphasCumprod, networkFrame, timestepOfAlphaBar, velocityOfOutput } from '../../../src/models/torchscript/parameterisation.js';
import { assertClose } from '../../helpers.js';

const DDPM = { kind: 'timestep', trainTimesteps: 1000, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02 } as const;

test('ᾱ table of a linear β schedule, and the fractional timestep of an ᾱ inverts it', () => {
  const table = ddpmAlphasCumprod(DDPM);
  let prod = 1;
  for (let i = 0; i < 1000; i++) prod *= 1 - (1e-4 + (i / 999) * (0.02 - 1e-4));
  assertClose([table[999]!], [prod], 1e-12, 1e-9, 'ᾱ_999');
  for (const t of [0, 17, 500, 998]) assert.ok(Math.abs(timestepOfAlphaBar(table[t]!, table) - t) < 1e-9, `t = ${t}`);
  const mid = Math.sqrt(table[300]! * table[301]!); // geometric mean: halfway in log ᾱ
  assert.ok(Math.abs(timestepOfAlphaBar(mid, table) - 300.5) < 1e-9);
  assert.equal(timestepOfAlphaBar(2, table), 0);
  assert.equal(timestepOfAlphaBar(0, table), 999);
  const scaled = ddpmAlphasCumprod({ ...DDPM, betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 });
  assertClose([1 - scaled[0]!], [0.00085], 1e-12, 1e-9, 'β_0 of scaled_linear');
});

test('every prediction type, in either time frame, converts back to v = ε − x₀', () => {
  const sigmas = [0.15, 0.5, 0.9];
  const table = ddpmAlphasCumprod(DDPM);
  torch.scope(() => {
    const g = new torch.Generator(5);
    const x0 = torch.randn([3, 2, 2, 2], { generator: g, dtype: 'float64' });
    const eps = torch.randn([3, 2, 2, 2], { generator: g, dtype: 'float64' });
    const col = (v: number[]): torch.Tensor => torch.tensor(v, { dtype: 'float64' }).reshape([3, 1, 1, 1]);
    const want = eps.sub(x0).toArray();
    for (const time of [{ kind: 'sigma', scale: 1000 } as const, DDPM]) {
      const f = networkFrame(sigmas, time, time.kind === 'timestep' ? table : null);
      const z = col(f.a).mul(x0).add(col(f.b).mul(eps)); // z = a·x₀ + b·ε
      const outputs = {
        epsilon: eps,
        sample: x0,
        velocity: time.kind === 'sigma' ? eps.sub(x0) : col(f.a).mul(eps).sub(col(f.b).mul(x0)), // v-prediction in VP
      };
      for (const [prediction, y] of Object.entries(outputs)) {
        const v = velocityOfOutput(y, z, f, prediction as 'epsilon', time.kind);
        assertClose(v.toArray(), want, 1e-12, 1e-9, `${time.kind}/${prediction}`);
      }
      if (time.kind === 'sigma') assert.deepEqual(f.time, sigmas.map((s) => s * 1000));
      else {
        // the network's timestep has the signal level of σ: log-interpolated ᾱ at t equals a² = (1−σ)²/((1−σ)² + σ²)
        f.time.forEach((t, i) => {
          const lo = Math.floor(t);
          const ab = Math.exp(Math.log(table[lo]!) * (1 - (t - lo)) + Math.log(table[Math.min(lo + 1, 999)]!) * (t - lo));
          assertClose([ab], [f.a[i]! ** 2], 1e-9, 1e-9, `ᾱ at σ = ${sigmas[i]}`);
        });
      }
    }
    g.dispose();
  });
});
