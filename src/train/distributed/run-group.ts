// Joining a data-parallel run: every rank meets at rank 0's TCPStore (MASTER_ADDR:MASTER_PORT) and forms the
// process group (Gloo on CPU, NCCL on CUDA). Rank 0 drives the run; the others follow the control messages it posts
// in the store (./control.ts). A collective or store call that fails because a peer died becomes one line naming
// the rank that stopped answering (`faultError`).
import { TorchError } from '../../torch/index.js';
import { ProcessGroup, TCPStore, type Backend } from '../../torch/distributed/index.js';
import type { RankEnv } from './rank-env.js';
import { ControlChannel } from './control.js';

export interface DistributedRun {
  readonly env: RankEnv;
  readonly group: ProcessGroup;
  readonly store: TCPStore;
  readonly control: ControlChannel;
  readonly timeoutMs: number;
}

/** Joins the run: returns once all `env.worldSize` ranks have connected, or throws after `timeoutMs`. */
export function joinRun(env: RankEnv, backend: Backend, timeoutMs: number): DistributedRun {
  const store = new TCPStore({ host: env.masterAddr, port: env.masterPort, isServer: env.rank === 0, worldSize: env.worldSize, timeoutMs });
  const group = new ProcessGroup({ backend, rank: env.rank, worldSize: env.worldSize, store, timeoutMs });
  return { env, group, store, control: new ControlChannel(store), timeoutMs };
}

const DISTRIBUTED_OPS = /^(allReduce|allGather|broadcast|barrier|initProcessGroup|TCPStore|Store\.\w+)$/;
/** How long survivors wait for each other to report before naming the ranks that did not. */
const REPORT_WINDOW_MS = 3000;

/**
 * The error a rank ends with when a collective failed: "rank K stopped responding during <op>", where K are the
 * ranks that did not report to the store within a few seconds (every survivor reports). Other errors pass through.
 */
export function faultError(run: DistributedRun, err: unknown): unknown {
  if (!(err instanceof TorchError) || !DISTRIBUTED_OPS.test(err.op)) return err;
  const detail = err.message.slice(err.op.length + 2, err.op.length + 122);
  const missing = silentRanks(run);
  const who =
    missing === null
      ? 'rank 0 (which hosts the store) stopped responding'
      : missing.length > 0
        ? `rank ${missing.join(', rank ')} stopped responding`
        : `a peer failed`;
  return new Error(
    `refract train: ${who} during ${err.op} (seen by rank ${run.env.rank}: ${detail}) — the run stopped; ` +
      'restart it with --resume to continue from its last checkpoint',
  );
}

/** Ranks that did not report within the window; null when the store itself is gone (rank 0 died). */
function silentRanks(run: DistributedRun): number[] | null {
  const key = (r: number): string => `refract/fault/${r}`;
  try {
    run.store.set(key(run.env.rank), String(run.env.rank));
    const ranks = Array.from({ length: run.env.worldSize }, (_, r) => r);
    const deadline = performance.now() + REPORT_WINDOW_MS;
    let silent = ranks.filter((r) => !run.store.check([key(r)]));
    while (silent.length > 0 && performance.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // a plain sleep: nothing else can run
      silent = silent.filter((r) => !run.store.check([key(r)]));
    }
    return silent;
  } catch {
    return null;
  }
}
