// The wait policy chosen before libtorch loads: spin briefly on an idle machine, passive when the cores are shared,
// and never override the user's own setting (src/torch/wait-policy.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { waitPolicyEnv, IDLE_LOAD_PER_CORE } from '../../src/torch/wait-policy.js';

test('waitPolicyEnv: a short spin when idle, PASSIVE when busy, a choice of the user untouched', () => {
  assert.deepEqual(waitPolicyEnv({}, 0.2, 2), { GOMP_SPINCOUNT: '10000' });
  assert.deepEqual(waitPolicyEnv({}, 1.0, 2), { OMP_WAIT_POLICY: 'PASSIVE' }, 'one busy process on 2 cores');
  assert.deepEqual(waitPolicyEnv({}, IDLE_LOAD_PER_CORE * 16 - 0.01, 16), { GOMP_SPINCOUNT: '10000' });
  assert.deepEqual(waitPolicyEnv({ OMP_WAIT_POLICY: 'ACTIVE' }, 0, 2), {});
  assert.deepEqual(waitPolicyEnv({ GOMP_SPINCOUNT: '0' }, 5, 2), {});
  assert.deepEqual(waitPolicyEnv({ OMP_WAIT_POLICY: '' }, 5, 2), {}, 'set, even empty, is a choice');
});

test('loading the binding sets the policy in a process whose environment has none', () => {
  const env = { ...process.env };
  delete env['OMP_WAIT_POLICY'];
  delete env['GOMP_SPINCOUNT'];
  const torchIndex = new URL('../../src/torch/index.js', import.meta.url).href;
  const script = `await import(${JSON.stringify(torchIndex)}); console.log(JSON.stringify([process.env.OMP_WAIT_POLICY ?? null, process.env.GOMP_SPINCOUNT ?? null]))`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  const [policy, spin] = JSON.parse(out.trim().split('\n').at(-1)!) as [string | null, string | null];
  assert.ok((policy === 'PASSIVE' && spin === null) || (policy === null && spin === '10000'), `got ${policy} / ${spin}`);
});
