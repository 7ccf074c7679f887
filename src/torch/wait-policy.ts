// libgomp's wait policy, chosen once per process before libtorch loads it (libgomp reads the environment then).
// Measured (issue #11, session 7; the shipped base's training step at batch 32, 2 threads, 3 alternating rounds,
// median ms Refract / PyTorch, both engines under the same environment):
//   idle machine:               PASSIVE 146 / 149   GOMP_SPINCOUNT=10000 85 / 87   ACTIVE 87 / 257   (1 thread 136 / 134)
//   beside one busy process:    PASSIVE 281 / 295   GOMP_SPINCOUNT=10000 480 / 427 ACTIVE 327 / 441   (1 thread 138 / 138)
// Passive waiting wastes 1.7× on free cores; spinning collapses throughput when a core is shared. So: spin briefly
// (10 000 iterations, then sleep) when the machine is idle at start, never when it is busy; the user's own
// OMP_WAIT_POLICY or GOMP_SPINCOUNT always wins. The wait policy changes no result, only wall time.

/** Below this 1-minute load per core the machine counts as idle (one busy process on 2 cores is load ≈ 1). */
export const IDLE_LOAD_PER_CORE = 0.5;

/** The environment variables to set before libtorch loads (empty when the user chose a policy). */
export function waitPolicyEnv(
  env: Readonly<Record<string, string | undefined>>,
  loadAverage1m: number,
  cores: number,
): Record<string, string> {
  if (env['OMP_WAIT_POLICY'] !== undefined || env['GOMP_SPINCOUNT'] !== undefined) return {};
  return loadAverage1m < IDLE_LOAD_PER_CORE * cores ? { GOMP_SPINCOUNT: '10000' } : { OMP_WAIT_POLICY: 'PASSIVE' };
}
