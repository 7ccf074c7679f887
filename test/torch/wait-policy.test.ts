// The wait policy chosen before libtorch loads: spin briefly on an idle machine, passive when the cores are shared,
// and never override the user's own setting (src/torch/wait-policy.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitPolicyEnv, IDLE_LOAD_PER_CORE } from '../../src/torch/wait-policy.js';

test('waitPolicyEnv: a short spin when idle, PASSIVE when busy, a choice of the user untouched', () => {
  assert.deepEqual(waitPolicyEnv({}, 0.2, 2), { GOMP_SPINCOUNT: '10000' });
  assert.deepEqual(waitPolicyEnv({}, 1.0, 2), { OMP_WAIT_POLICY: 'PASSIVE' }, 'one busy process on 2 cores');
  assert.deepEqual(waitPolicyEnv({}, IDLE_LOAD_PER_CORE * 16 - 0.01, 16), { GOMP_SPINCOUNT: '10000' });
  assert.deepEqual(waitPolicyEnv({ OMP_WAIT_POLICY: 'ACTIVE' }, 0, 2), {});
  assert.deepEqual(waitPolicyEnv({ GOMP_SPINCOUNT: '0' }, 5, 2), {});
  assert.deepEqual(waitPolicyEnv({ OMP_WAIT_POLICY: '' }, 5, 2), {}, 'set, even empty, is a choice');
});

test('the loaded binding ran with a wait policy in its environment', async () => {
  await import('../../src/torch/index.js');
  assert.ok(process.env['OMP_WAIT_POLICY'] !== undefined || process.env['GOMP_SPINCOUNT'] !== undefined);
});
